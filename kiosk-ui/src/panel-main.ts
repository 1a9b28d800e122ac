import { mount } from 'svelte'
import Panel from './Panel.svelte'
import './panel.css'

const target = document.getElementById('panel')
if (!target) throw new Error('panel.html has no #panel')
export default mount(Panel, { target })
