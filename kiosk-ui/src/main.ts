import { mount } from 'svelte'
import App from './App.svelte'
import './app.css'

// Kiosk mode: no long-press menu, no drag of images or text.
document.addEventListener('contextmenu', (e) => e.preventDefault())
document.addEventListener('dragstart', (e) => e.preventDefault())

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app')
export default mount(App, { target })
