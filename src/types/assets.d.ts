// Imports `with { type: "file" }` give the file's path (embedded in the compiled binary).
declare module "*.css" {
  const path: string;
  export default path;
}
declare module "*.svg" {
  const path: string;
  export default path;
}
declare module "*.min.js" {
  const path: string;
  export default path;
}
declare module "*/public/app.js" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/*" {
  const path: string;
  export default path;
}
declare module "*/public/whats-new.js" {
  const path: string;
  export default path;
}
declare module "*/public/sw.js" {
  const path: string;
  export default path;
}
declare module "*.png" {
  const path: string;
  export default path;
}
