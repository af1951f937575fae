// Vite's `?raw` imports (test vectors are read as text).
declare module '*?raw' {
  const text: string;
  export default text;
}
