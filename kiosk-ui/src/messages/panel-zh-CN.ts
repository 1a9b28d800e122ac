import type { AcceptorAction, PrinterAction } from '../lib/panel/sim-api.ts'

/** Every simulator action has a button text; tsc fails if one is missing. */
export type PanelActionMessages = Record<
  `acceptorAction.${AcceptorAction}` | `printerAction.${PrinterAction}`,
  string
>

/**
 * The hardware simulator panel's texts, Simplified Chinese — the source of the keys. The panel
 * shows every text in both languages, Chinese first; the English of a button is its stable name
 * for browser tests (lib/panel/sim-api.ts; panel.test.ts checks they agree).
 */
export const panelZhCN = {
  'page.title': 'GridTill 硬件模拟器',

  'status.connecting': '正在连接终端代理…',
  'status.reachable': '终端代理已连接',
  'status.unreachable': '无法连接终端代理（GET /sim/state 失败），每秒重试',
  'link.kiosk': '打开终端屏幕',

  'value.yes': '是',
  'value.no': '否',

  'cards.title': '卡片盒',
  'cards.tap': '刷卡 {cardNo}',
  'cards.none': '卡片盒里没有卡。',
  'cards.garbage': '刷无法识别的卡',
  'cards.readerOnline': '读卡器在线',
  'kind.resident': '居民',
  'kind.staff': '工作人员',
  'role.field': '外勤',
  'role.cashier': '收银',
  'role.admin': '管理员',

  'acceptor.title': '纸币器',
  'acceptor.protocol': '协议',
  'acceptor.online': '在线',
  'acceptor.jammed': '卡币',
  'acceptor.cashboxPresent': '钱箱已装上',
  'acceptor.stackerFull': '钱箱已满',
  'notes.title': '投入纸币',
  'notes.insert': '投入 ¥{yuan}',
  'notes.fake': '投入假币',
  'acceptor.faults': '故障',
  'acceptorAction.jam': '纸币器卡币',
  'acceptorAction.jamUnsafe': '不安全卡币',
  'acceptorAction.clearJam': '清除卡币',
  'acceptorAction.removeCashbox': '取下钱箱',
  'acceptorAction.replaceCashbox': '装回钱箱',
  'acceptorAction.stackerFull': '钱箱满',
  'acceptorAction.stackerOk': '钱箱未满',
  'acceptorAction.unplug': '拔下纸币器',
  'acceptorAction.replug': '插回纸币器',
  'cassette.title': '钱箱内纸币',
  'cassette.note': '面额',
  'cassette.count': '张数',
  'cassette.value': '金额',
  'cassette.empty': '空',
  'cassette.total': '合计',

  'printer.title': '收据打印机',
  'printer.paper': '纸张',
  'printer.coverOpen': '机盖打开',
  'printer.cutterFault': '切刀故障',
  'paper.ok': '正常',
  'paper.nearEnd': '即将用完',
  'paper.out': '缺纸',
  'printerAction.paperOut': '缺纸',
  'printerAction.paperNearEnd': '纸将用完',
  'printerAction.refill': '装纸',
  'printerAction.coverOpen': '打开机盖',
  'printerAction.coverClose': '合上机盖',
  'printerAction.cutterFault': '切刀故障',
  'printerAction.clearFault': '清除打印机故障',
  'receipts.title': '已打印的收据',
  'receipts.count': '{n} 张，最新在前',
  'receipts.none': '尚未打印。',
  'receipt.head': '收据 #{index}',
  'receipt.alt': '收据 {index} 的打印效果',
  'receipt.qr': '二维码',

  'result.accepted': '已收下',
  'result.notAccepted': '未收下',
  'result.done': '完成',
  'result.failed': '失败',

  'footer.polling': '每秒查询一次 GET /sim/state',
  'footer.last': '上次 {time}',
} satisfies PanelActionMessages & Record<string, string>

export type PanelMessageKey = keyof typeof panelZhCN
/** The panel's texts in another language: exactly the same keys (a missing or extra key fails tsc). */
export type PanelCatalogue = Record<PanelMessageKey, string>
