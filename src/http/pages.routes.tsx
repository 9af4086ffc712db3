// The signed-in pages.
import { Elysia } from "elysia";
import { HomePage } from "../../views/pages/HomePage.tsx";
import type { AuthDeps } from "./auth.routes.tsx";
import { sessionPlugin } from "./plugins/session.ts";

export function pageRoutes(deps: AuthDeps) {
  return new Elysia({ name: "page-routes" })
    .use(sessionPlugin(deps))
    .get("/", ({ user }) => <HomePage ctx={{ viewer: user, assets: deps.assets }} />, { signedIn: true });
}
