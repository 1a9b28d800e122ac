// Runes everywhere (Svelte 5); TypeScript in <script lang="ts"> needs no preprocessor.
export default {
  compilerOptions: { runes: true },
}
