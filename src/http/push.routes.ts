// Web Push: the server's VAPID public key for the browser to subscribe with, and each device's
// subscription stored or removed (API.md "Unread, mentions and notifications").
import { Elysia, t } from "elysia";
import type { SessionDeps } from "../edge/session-tokens.ts";
import type { PushSubscriptions } from "../notify/push-subscriptions.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface PushRoutesDeps extends SessionDeps {
  pushSubscriptions: PushSubscriptions;
  vapidPublicKey: string;
}

const endpoint = t.String({ minLength: 1, maxLength: 2048, description: "The push service URL of the subscription" });

export function pushRoutes(deps: PushRoutesDeps) {
  const { pushSubscriptions } = deps;
  return new Elysia({ name: "push-routes" }).use(sessionPlugin(deps)).group("/api/push", (api) =>
    api
      .get("/key", () => ({ publicKey: deps.vapidPublicKey }), {
        signedIn: true,
        detail: { summary: "The VAPID public key to subscribe with (base64url)" },
      })
      .post(
        "/subscriptions",
        async ({ user, body, set }) => {
          await pushSubscriptions.save(user.id, body);
          set.status = 201;
          return { endpoint: body.endpoint };
        },
        {
          signedIn: true,
          body: t.Object({
            endpoint,
            expirationTime: t.Optional(t.Union([t.Number(), t.Null()])),
            keys: t.Object({ p256dh: t.String({ maxLength: 200 }), auth: t.String({ maxLength: 100 }) }),
          }),
          detail: { summary: "Store this device's push subscription (the browser's PushSubscription JSON)" },
        },
      )
      .delete(
        "/subscriptions",
        async ({ user, body, set }) => {
          await pushSubscriptions.remove(user.id, body.endpoint);
          set.status = 204;
        },
        { signedIn: true, body: t.Object({ endpoint }), detail: { summary: "Remove this device's push subscription" } },
      ),
  );
}
