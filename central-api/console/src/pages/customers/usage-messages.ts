/** The customer page's consumption chart (CustomerUsage.svelte), Simplified Chinese first. */
export const usageMessages = {
  'zh-CN': {
    loading: '加载用电数据…',
    none: '最近 30 天没有用电数据',
    noRole: '您的角色无权查看用电分析',
    failed: '用电数据加载失败',
    total: (kwh: string) => `每日用电量：最近 30 天共 ${kwh} 千瓦时`,
    label: (nos: string) => `电表 ${nos} 最近 30 天每日用电量曲线`,
  },
  en: {
    loading: 'Loading consumption…',
    none: 'No consumption in the last 30 days',
    noRole: 'Your role may not view usage analytics',
    failed: 'Could not load consumption',
    total: (kwh: string) => `Daily consumption: ${kwh} kWh in the last 30 days`,
    label: (nos: string) => `Daily consumption of meter ${nos} over the last 30 days`,
  },
}
