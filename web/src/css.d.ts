/** Stylesheets are imported for esbuild, which bundles them into assets/app.css. */
declare module "*.css";
