import type { Component } from 'svelte'
import type { KioskScreen, KioskView } from '@gridtill/shared'

export interface ScreenProps {
  view: KioskView
}
export type ScreenComponent = Component<ScreenProps>
/** One component per screen the agent can show; a Record so a new screen fails tsc until drawn. */
export type ScreenMap = Record<KioskScreen, ScreenComponent>
