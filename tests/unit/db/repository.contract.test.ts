// One contract, every dialect: the same tests against SQLite and PostgreSQL, so that services cannot tell them apart.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type Message, type Repository, TooManyEmoji, type User } from "../../../src/db/repository.ts";
import { repositoryFactories } from "../../helpers/databases.ts";

type Appended = Awaited<ReturnType<Repository["messages"]["append"]>>;

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

for (const factory of await repositoryFactories()) {
  describe(`Repository on ${factory.name}`, () => {
    let repo: Repository;
    beforeAll(async () => {
      repo = await factory.open();
    });
    beforeEach(() => factory.reset());
    afterAll(() => factory.cleanup());

    const user = async (username: string): Promise<User> => (await repo.users.insert(username, `hash-of-${username}`))!;
    const room = async (name: string, creator: User) => (await repo.threads.createRoom(name, creator.id))!;
    const send = (threadId: number, author: User, body: string, clientId: string | null = null) =>
      repo.messages.append({ threadId, authorId: author.id, body, clientId });

    describe("users", () => {
      test("insert answers the new user; a taken username answers null", async () => {
        const alice = await repo.users.insert("alice", "h1");
        expect(alice).toEqual({ id: expect.any(Number), username: "alice" });
        expect(await repo.users.insert("alice", "h2")).toBeNull();
        expect(await repo.users.findCredentials("alice")).toEqual({ ...alice!, passwordHash: "h1", disabled: false });
      });

      test("the first user administers the server; others do not", async () => {
        // Each test starts from empty tables.
        const first = await user("first");
        const later = await user("later");
        expect(await repo.users.status(first.id)).toEqual({ isAdmin: true, disabled: false });
        expect(await repo.users.status(later.id)).toEqual({ isAdmin: false, disabled: false });
        expect(await repo.users.status(later.id + 1000)).toBeNull();
      });

      test("password hashes change, and accounts can be disabled and enabled", async () => {
        const erin = await user("erin2");
        await repo.users.setPasswordHash(erin.id, "new-hash");
        expect((await repo.users.findCredentials("erin2"))?.passwordHash).toBe("new-hash");
        await repo.users.setDisabled(erin.id, true);
        expect((await repo.users.findCredentials("erin2"))?.disabled).toBe(true);
        expect((await repo.users.status(erin.id))?.disabled).toBe(true);
        await repo.users.setDisabled(erin.id, false);
        expect((await repo.users.status(erin.id))?.disabled).toBe(false);
      });

      test("find by id and by username; unknown ones are null", async () => {
        const bob = await user("bob");
        expect(await repo.users.findById(bob.id)).toEqual(bob);
        expect(await repo.users.findByUsername("bob")).toEqual(bob);
        expect(await repo.users.findById(bob.id + 1000)).toBeNull();
        expect(await repo.users.findByUsername("nobody")).toBeNull();
        expect(await repo.users.findCredentials("nobody")).toBeNull();
      });

      test("list orders usernames byte by byte, whatever the database's locale", async () => {
        for (const name of ["carol", "al_b", "al.b", "al-b", "al0"]) await user(name);
        expect((await repo.users.list()).map((u) => u.username)).toEqual(["al-b", "al.b", "al0", "al_b", "carol"]);
      });

      test("count, the first few by username, and some by id (by username)", async () => {
        const made: User[] = [];
        for (const name of ["dora", "al_b", "carl", "al-b", "bea"]) made.push(await user(name));
        expect(await repo.users.count()).toBe(5);
        expect((await repo.users.first(3)).map((u) => u.username)).toEqual(["al-b", "al_b", "bea"]);
        expect((await repo.users.first(50)).map((u) => u.username)).toEqual(["al-b", "al_b", "bea", "carl", "dora"]);
        const [dora, , carl] = made;
        expect(await repo.users.byIds([dora!.id, carl!.id, dora!.id + 1000])).toEqual([carl!, dora!]);
        expect(await repo.users.byIds([])).toEqual([]);
      });
    });

    describe("sessions", () => {
      test("revoking all of a user's sessions can keep one", async () => {
        const fay = await user("fay");
        for (const id of ["f1", "f2", "f3"]) await repo.sessions.insert({ id, userId: fay.id, expiresAt: 4_102_444_800 });
        await repo.sessions.revokeAllOf(fay.id, "f2");
        expect((await repo.sessions.find("f1"))?.revoked).toBe(true);
        expect((await repo.sessions.find("f2"))?.revoked).toBe(false);
        expect((await repo.sessions.find("f3"))?.revoked).toBe(true);
        await repo.sessions.revokeAllOf(fay.id);
        expect((await repo.sessions.find("f2"))?.revoked).toBe(true);
      });

      test("insert, find, extend and revoke", async () => {
        const dave = await user("dave");
        // Past 2038: expiry is stored in 64 bits.
        const expiresAt = 4_102_444_800;
        await repo.sessions.insert({ id: "s1", userId: dave.id, expiresAt });
        expect(await repo.sessions.find("s1")).toEqual({ id: "s1", userId: dave.id, expiresAt, revoked: false });
        await repo.sessions.extend("s1", expiresAt + 60);
        expect((await repo.sessions.find("s1"))?.expiresAt).toBe(expiresAt + 60);
        await repo.sessions.revoke("s1");
        expect(await repo.sessions.find("s1")).toEqual({
          id: "s1",
          userId: dave.id,
          expiresAt: expiresAt + 60,
          revoked: true,
        });
        expect(await repo.sessions.find("s2")).toBeNull();
      });

      test("resolve answers the session with its user and whether the account is disabled", async () => {
        const gil = await user("gil");
        const expiresAt = 4_102_444_800;
        await repo.sessions.insert({ id: "g1", userId: gil.id, expiresAt });
        const resolved = { session: { id: "g1", userId: gil.id, expiresAt, revoked: false }, user: gil, disabled: false };
        expect(await repo.sessions.resolve("g1")).toEqual(resolved);
        await repo.users.setDisabled(gil.id, true);
        expect(await repo.sessions.resolve("g1")).toEqual({ ...resolved, disabled: true });
        await repo.sessions.revoke("g1");
        expect((await repo.sessions.resolve("g1"))?.session.revoked).toBe(true);
        expect(await repo.sessions.resolve("g2")).toBeNull();
      });
    });

    describe("threads", () => {
      test("createRoom makes its creator a member; the same name in any case answers null", async () => {
        const erin = await user("erin");
        const general = await room("General", erin);
        expect(general).toEqual({
          id: expect.any(Number),
          kind: "room",
          name: "General",
          lastSeq: 0,
          lastRev: 0,
          private: false,
          topic: null,
          archived: false,
        });
        expect(await repo.threads.roleOf(general.id, erin.id)).toBe("owner");
        expect(await repo.threads.isMember(general.id, erin.id)).toBe(true);
        expect(await repo.threads.members(general.id)).toEqual([erin]);
        expect(await repo.threads.createRoom("general", erin.id)).toBeNull();
        expect(await repo.threads.createRoom("GENERAL", erin.id)).toBeNull();
        expect(await repo.threads.find(general.id)).toEqual(general);
        expect(await repo.threads.find(general.id + 1000)).toBeNull();
      });

      test("openDirect gives one thread per pair, whichever side opens it; a self-pair has one member", async () => {
        const [ann, ben] = [await user("ann"), await user("ben")];
        const direct = await repo.threads.openDirect(ann.id, ben.id);
        expect(direct).toEqual({
          id: expect.any(Number),
          kind: "direct",
          name: null,
          lastSeq: 0,
          lastRev: 0,
          private: false,
          topic: null,
          archived: false,
        });
        expect(await repo.threads.openDirect(ben.id, ann.id)).toEqual(direct);
        expect(await repo.threads.openDirect(ann.id, ben.id)).toEqual(direct);
        expect(await repo.threads.members(direct.id)).toEqual([ann, ben]);

        const self = await repo.threads.openDirect(ann.id, ann.id);
        expect(self.id).not.toBe(direct.id);
        expect(await repo.threads.members(self.id)).toEqual([ann]);
        expect(await repo.threads.openDirect(ann.id, ann.id)).toEqual(self);
      });

      test("listRooms lists rooms only, by name whatever its case", async () => {
        const fay = await user("fay");
        const [b, a, c] = [await room("beta", fay), await room("Alpha", fay), await room("gamma", fay)];
        await repo.threads.openDirect(fay.id, (await user("gus")).id);
        expect(await repo.threads.listRooms()).toEqual([a, b, c]);
      });

      test("visibleRooms: public rooms and one's own private rooms, with joined and memberCount", async () => {
        const [ann, ben] = [await user("ann"), await user("ben")];
        const open = await room("open", ann);
        const secret = (await repo.threads.createRoom("secret", ann.id, { private: true, topic: "t" }))!;
        expect(secret).toMatchObject({ private: true, topic: "t", archived: false });
        expect((await repo.threads.visibleRooms(ann.id)).map((r) => [r.name, r.joined, r.memberCount])).toEqual([
          ["open", true, 1],
          ["secret", true, 1],
        ]);
        expect((await repo.threads.visibleRooms(ben.id)).map((r) => [r.id, r.joined])).toEqual([[open.id, false]]);
        await repo.threads.addMember(secret.id, ben.id);
        expect((await repo.threads.visibleRooms(ben.id)).map((r) => [r.name, r.joined, r.memberCount])).toEqual([
          ["open", false, 1],
          ["secret", true, 2],
        ]);
      });

      test("roles: the creator owns the room; the last owner can neither leave nor step down", async () => {
        const [ann, ben] = [await user("ann"), await user("ben")];
        const r = await room("team", ann);
        await repo.threads.addMember(r.id, ben.id);
        expect(await repo.threads.membersWithRoles(r.id)).toEqual([
          { ...ann, role: "owner" },
          { ...ben, role: "member" },
        ]);
        expect(await repo.threads.removeMember(r.id, ann.id)).toBe("last-owner");
        expect(await repo.threads.setRole(r.id, ann.id, "member")).toBe("last-owner");
        expect(await repo.threads.setRole(r.id, ben.id, "owner")).toBe("done");
        expect(await repo.threads.setRole(r.id, ann.id, "moderator")).toBe("done");
        expect(await repo.threads.roleOf(r.id, ann.id)).toBe("moderator");
        expect(await repo.threads.removeMember(r.id, ann.id)).toBe("done");
        expect(await repo.threads.removeMember(r.id, ann.id)).toBe("not-member");
        expect(await repo.threads.roleOf(r.id, ann.id)).toBeNull();
        expect(await repo.threads.isMember(r.id, ann.id)).toBe(false);
      });

      test("updateRoom changes only what is given; another room's name answers null", async () => {
        const ann = await user("ann");
        const [a] = [await room("a", ann), await room("b", ann)];
        expect(await repo.threads.updateRoom(a.id, { topic: "news", archived: true })).toMatchObject({
          name: "a",
          topic: "news",
          archived: true,
        });
        expect(await repo.threads.updateRoom(a.id, { name: "B" })).toBeNull();
        expect(await repo.threads.updateRoom(a.id, { name: "A2", private: true })).toMatchObject({
          name: "A2",
          private: true,
          topic: "news",
        });
        expect(await repo.threads.updateRoom(a.id, {})).toMatchObject({ name: "A2" });
      });

      test("openGroup: one direct thread per set of people, whoever opens it; listed with every other member", async () => {
        const [kim, lea, max, ned] = [await user("kim"), await user("lea"), await user("max"), await user("ned")];
        const group = await repo.threads.openGroup([max.id, kim.id, lea.id]);
        expect(group).toMatchObject({ kind: "direct", name: null });
        expect(await repo.threads.openGroup([lea.id, max.id, kim.id])).toEqual(group);
        expect(await repo.threads.members(group.id)).toEqual([kim, lea, max]);
        const bigger = await repo.threads.openGroup([kim.id, lea.id, max.id, ned.id]);
        expect(bigger.id).not.toBe(group.id);
        const pair = await repo.threads.openDirect(kim.id, lea.id);
        expect([group.id, bigger.id]).not.toContain(pair.id);
        const mine = await repo.threads.listForUser(kim.id);
        expect(mine.map((t) => [t.id, t.peer, t.peers.map((p) => p.username)])).toEqual([
          [group.id, null, ["lea", "max"]],
          [bigger.id, null, ["lea", "max", "ned"]],
          [pair.id, lea, ["lea"]],
        ]);
      });

      test("listForUser lists the user's threads in creation order, with the peer of each direct thread", async () => {
        const [hal, ivy, jo] = [await user("hal"), await user("ivy"), await user("jo")];
        const lobby = await room("lobby", hal);
        const withIvy = await repo.threads.openDirect(hal.id, ivy.id);
        await room("not-mine", jo);
        const withJo = await repo.threads.openDirect(jo.id, hal.id);
        const self = await repo.threads.openDirect(hal.id, hal.id);
        await repo.threads.openDirect(ivy.id, jo.id);
        expect(await repo.threads.listForUser(hal.id)).toEqual([
          { ...lobby, peer: null, peers: [] },
          { ...withIvy, peer: ivy, peers: [ivy] },
          { ...withJo, peer: jo, peers: [jo] },
          { ...self, peer: null, peers: [] },
        ]);
        expect(await repo.threads.listForUser(ivy.id)).toEqual([
          { ...withIvy, peer: hal, peers: [hal] },
          expect.objectContaining({ kind: "direct", peer: jo }),
        ]);
      });

      test("addMember is idempotent; isMember and members follow it", async () => {
        const [kim, lee, max] = [await user("kim"), await user("lee"), await user("max")];
        const den = await room("den", lee);
        expect(await repo.threads.isMember(den.id, kim.id)).toBe(false);
        await repo.threads.addMember(den.id, kim.id);
        await repo.threads.addMember(den.id, kim.id);
        expect(await repo.threads.isMember(den.id, kim.id)).toBe(true);
        expect(await repo.threads.isMember(den.id, max.id)).toBe(false);
        expect(await repo.threads.members(den.id)).toEqual([kim, lee]);
        expect(await repo.threads.members(den.id + 1000)).toEqual([]);
      });

      test("findForMember answers the thread to its members only", async () => {
        const [ned, oz] = [await user("ned"), await user("oz")];
        const den = await room("den", ned);
        const direct = await repo.threads.openDirect(ned.id, oz.id);
        expect(await repo.threads.findForMember(den.id, ned.id)).toEqual(den);
        expect(await repo.threads.findForMember(den.id, oz.id)).toBeNull();
        expect(await repo.threads.findForMember(direct.id, oz.id)).toEqual(direct);
        expect(await repo.threads.findForMember(den.id + 1000, ned.id)).toBeNull();
      });

      test("lastRevs answers the newest rev of each thread asked for that exists", async () => {
        const pia = await user("pia");
        const [busy, quiet] = [await room("busy", pia), await room("quiet", pia)];
        for (const body of ["one", "two", "three"]) await send(busy.id, pia, body);
        const { message } = await send(busy.id, pia, "four");
        await repo.messages.edit(message.id, "four!");
        const newest = await repo.threads.lastRevs([busy.id, quiet.id, quiet.id + 1000]);
        expect([...newest.entries()].sort()).toEqual([
          [busy.id, 5],
          [quiet.id, 0],
        ]);
        expect(await repo.threads.lastRevs([])).toEqual(new Map());
      });
    });

    describe("messages", () => {
      test("messages sent together are all stored, and one that cannot be stored fails alone", async () => {
        const gus = await user("gus");
        const general = await room("together", gus);
        const attempts = [
          ...Array.from({ length: 20 }, (_, i) => send(general.id, gus, `m${i}`, `t-${i}`)),
          repo.messages.append({ threadId: general.id + 999, authorId: gus.id, body: "nowhere", clientId: null }),
          send(general.id, gus, "again", "t-3"),
        ];
        const settled = await Promise.allSettled(attempts);
        expect(settled.map((s) => s.status)).toEqual([...Array(20).fill("fulfilled"), "rejected", "fulfilled"]);
        // The two sends with clientId t-3 are one message, whichever of them arrived first.
        const [first, repeat] = [settled[3], settled[21]].map((s) => (s as PromiseFulfilledResult<Appended>).value);
        expect(first!.message.id).toBe(repeat!.message.id);
        expect([first!.created, repeat!.created].sort()).toEqual([false, true]);
        const stored = await repo.messages.page(general.id, { after: 0, limit: 100 });
        expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      });

      test("append numbers a thread's messages 1..n and stores them whole", async () => {
        const [ned, oli] = [await user("ned"), await user("oli")];
        const den = await room("den", ned);
        const other = await room("other", oli);
        const before = Date.now();
        const results = [];
        for (let i = 1; i <= 5; i++) results.push(await send(den.id, i % 2 ? ned : oli, `hello ${i}`));
        await send(other.id, oli, "elsewhere");

        expect(results.map((r) => [r.created, r.message.seq])).toEqual([1, 2, 3, 4, 5].map((seq) => [true, seq]));
        const first = results[0]!.message;
        expect(first).toEqual({
          id: expect.any(Number),
          threadId: den.id,
          seq: 1,
          author: ned,
          body: "hello 1",
          clientId: null,
          createdAt: expect.stringMatching(iso),
          editedAt: null,
          deleted: false,
          rev: 1,
          replyTo: null,
          reactions: [],
          mentions: [],
          attachments: [],
          kind: "message",
          authorBanned: false,
        });
        expect(Date.parse(first.createdAt)).toBeGreaterThanOrEqual(before - 1000);
        expect(Date.parse(first.createdAt)).toBeLessThanOrEqual(Date.now() + 1000);
        expect(results[1]!.message.author).toEqual(oli);
        expect(new Set(results.map((r) => r.message.id)).size).toBe(5);
        expect(await repo.messages.find(first.id)).toEqual(first);
        expect(await repo.messages.find(first.id + 1000)).toBeNull();
        expect(await repo.threads.find(den.id)).toMatchObject({ lastSeq: 5, lastRev: 5 });
        expect(await repo.threads.find(other.id)).toMatchObject({ lastSeq: 1, lastRev: 1 });
      });

      test("a repeated (author, clientId) answers the stored message and uses up no seq", async () => {
        const [pam, quin] = [await user("pam"), await user("quin")];
        const den = await room("den", pam);
        await repo.threads.addMember(den.id, quin.id);
        const sent = await send(den.id, pam, "once", "c-1");
        expect(sent).toEqual({ created: true, message: expect.objectContaining({ seq: 1, clientId: "c-1" }) });

        expect(await send(den.id, pam, "once, retried", "c-1")).toEqual({ created: false, message: sent.message });
        // Another author's identical clientId is another message.
        expect(await send(den.id, quin, "mine", "c-1")).toEqual({
          created: true,
          message: expect.objectContaining({ seq: 2, author: quin }),
        });
        expect((await send(den.id, pam, "next", "c-2")).message.seq).toBe(3);
        expect((await repo.threads.find(den.id))?.lastSeq).toBe(3);
      });

      test("messages without a clientId never collide", async () => {
        const rex = await user("rex");
        const den = await room("den", rex);
        const results = [await send(den.id, rex, "a"), await send(den.id, rex, "a"), await send(den.id, rex, "a")];
        expect(results.map((r) => [r.created, r.message.seq, r.message.clientId])).toEqual([
          [true, 1, null],
          [true, 2, null],
          [true, 3, null],
        ]);
      });

      test("page, in ascending seq: after → oldest N after it, before → newest N before it, neither → newest N", async () => {
        const sam = await user("sam");
        const den = await room("den", sam);
        const noise = await room("noise", sam);
        for (let i = 1; i <= 10; i++) {
          await send(den.id, sam, `m${i}`);
          await send(noise.id, sam, `n${i}`);
        }
        const seqs = async (page: { after?: number; before?: number; limit: number }) =>
          (await repo.messages.page(den.id, page)).map((m) => m.seq);

        expect(await seqs({ after: 3, limit: 4 })).toEqual([4, 5, 6, 7]);
        expect(await seqs({ after: 0, limit: 50 })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(await seqs({ after: 10, limit: 5 })).toEqual([]);
        expect(await seqs({ before: 8, limit: 3 })).toEqual([5, 6, 7]);
        expect(await seqs({ before: 3, limit: 50 })).toEqual([1, 2]);
        expect(await seqs({ before: 1, limit: 5 })).toEqual([]);
        expect(await seqs({ limit: 3 })).toEqual([8, 9, 10]);
        expect(await seqs({ limit: 50 })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(await seqs({ after: 2, before: 9, limit: 3 })).toEqual([3, 4, 5]);
        const page = await repo.messages.page(den.id, { after: 4, limit: 1 });
        expect(page).toEqual([expect.objectContaining({ threadId: den.id, seq: 5, body: "m5", author: sam })]);
        expect(await repo.messages.page(den.id + 1000, { limit: 5 })).toEqual([]);
      });

      test("edit changes the body, sets editedAt and takes the next rev; the seq stays", async () => {
        const uma = await user("uma");
        const den = await room("den", uma);
        const { message } = await send(den.id, uma, "draft");
        const edited = (await repo.messages.edit(message.id, "final"))!;
        expect(edited).toEqual({ ...message, body: "final", editedAt: expect.stringMatching(iso), rev: 2 });
        expect(Date.parse(edited.editedAt!)).toBeGreaterThanOrEqual(Date.parse(message.createdAt));
        expect(await repo.messages.find(message.id)).toEqual(edited);
        expect(await repo.threads.find(den.id)).toMatchObject({ lastSeq: 1, lastRev: 2 });
      });

      test("markDeleted empties the body and keeps the row and its seq; the next message takes the next seq", async () => {
        const vic = await user("vic");
        const den = await room("den", vic);
        const { message } = await send(den.id, vic, "oops", "c-oops");
        const deleted = (await repo.messages.markDeleted(message.id))!;
        expect(deleted).toEqual({ ...message, body: "", deleted: true, rev: 2 });
        expect(await repo.messages.page(den.id, { limit: 5 })).toEqual([deleted]);
        expect((await send(den.id, vic, "again")).message).toMatchObject({ seq: 2, rev: 3 });
        // The clientId of a deleted message is still taken: a late retry must not bring it back.
        expect(await send(den.id, vic, "oops", "c-oops")).toEqual({ created: false, message: deleted });
      });

      test("a deleted message takes no edit and no second delete: both answer null and take no rev", async () => {
        const wyn = await user("wyn");
        const den = await room("den", wyn);
        const { message } = await send(den.id, wyn, "gone soon");
        await repo.messages.markDeleted(message.id);
        expect(await repo.messages.edit(message.id, "back from the dead")).toBeNull();
        expect(await repo.messages.markDeleted(message.id)).toBeNull();
        expect(await repo.messages.find(message.id)).toMatchObject({ body: "", deleted: true, rev: 2 });
        expect((await repo.threads.find(den.id))?.lastRev).toBe(2);
      });
    });

    describe("revs: every change takes the thread's next rev", () => {
      const game = (threadId: number, by: User) => repo.games.insert({ threadId, xUserId: by.id, oUserId: null, turn: "x" });

      test("messages, edits, deletes and games share one gapless counter per thread", async () => {
        const ada = await user("ada");
        const [den, other] = [await room("den", ada), await room("other", ada)];
        const one = (await send(den.id, ada, "one")).message;
        await send(other.id, ada, "elsewhere");
        const two = (await send(den.id, ada, "two")).message;
        const edited = (await repo.messages.edit(one.id, "one, edited"))!;
        const started = await game(den.id, ada);
        const moved = await repo.games.update(started.id, started.version, {
          board: "X........",
          turn: "o",
          result: null,
          winLine: null,
        });
        const deleted = (await repo.messages.markDeleted(two.id))!;
        const three = (await send(den.id, ada, "three")).message;
        expect([one.rev, two.rev, edited.rev, started.rev, moved!.rev, deleted.rev, three.rev]).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(await repo.threads.find(den.id)).toMatchObject({ lastSeq: 3, lastRev: 7 });
        expect(await repo.threads.find(other.id)).toMatchObject({ lastSeq: 1, lastRev: 1 });
        // A repeated clientId and a move that lost its race take no rev.
        expect(
          await repo.games.update(started.id, started.version, { board: "X........", turn: "o", result: null, winLine: null }),
        ).toBeNull();
        const first = await send(den.id, ada, "four", "c-4");
        expect((await send(den.id, ada, "four", "c-4")).created).toBe(false);
        expect(first.message.rev).toBe(8);
        expect((await repo.threads.find(den.id))?.lastRev).toBe(8);
      });

      test("changedSince: the current state of what changed after a rev, in rev order, superseded changes not there", async () => {
        const bo = await user("bo");
        const [den, noise] = [await room("den", bo), await room("noise", bo)];
        const a = (await send(den.id, bo, "a")).message; // rev 1
        const b = (await send(den.id, bo, "b")).message; // rev 2
        await send(noise.id, bo, "n");
        const c = (await send(den.id, bo, "c")).message; // rev 3
        await repo.messages.edit(a.id, "a2"); // rev 4
        const bGone = (await repo.messages.markDeleted(b.id))!; // rev 5
        const a3 = (await repo.messages.edit(a.id, "a3"))!; // rev 6: rev 4 is superseded
        const revs = async (rev: number, limit = 50) =>
          (await repo.messages.changedSince(den.id, rev, limit)).map((m) => [m.seq, m.rev]);
        expect(await revs(0)).toEqual([
          [3, 3],
          [2, 5],
          [1, 6],
        ]);
        expect(await revs(3)).toEqual([
          [2, 5],
          [1, 6],
        ]);
        expect(await revs(5)).toEqual([[1, 6]]);
        expect(await revs(6)).toEqual([]);
        expect(await revs(0, 2)).toEqual([
          [3, 3],
          [2, 5],
        ]);
        expect(await repo.messages.changedSince(den.id, 4, 50)).toEqual([bGone, a3]);
        expect(c.rev).toBe(3);
        expect(await repo.messages.changedSince(den.id + 1000, 0, 50)).toEqual([]);
      });

      test("changesSince reads the messages and the games changed after a rev together", async () => {
        const cy = await user("cy");
        const den = await room("den", cy);
        await send(den.id, cy, "before");
        const started = await game(den.id, cy); // rev 2
        const after = (await send(den.id, cy, "after")).message; // rev 3
        const moved = await repo.games.update(started.id, started.version, {
          board: "X........",
          turn: "o",
          result: null,
          winLine: null,
        }); // rev 4
        expect(await repo.threads.changesSince(den.id, 1, 50)).toEqual({ messages: [after], games: [moved!] });
        expect(await repo.threads.changesSince(den.id, 4, 50)).toEqual({ messages: [], games: [] });
        expect((await repo.games.changedSince(den.id, 0, 50)).map((g) => g.rev)).toEqual([4]);
        expect(await repo.games.find(started.id)).toEqual(moved);
      });

      test("newestUpTo: the highest seq above a seq whose latest change is at or before a rev", async () => {
        const di = await user("di");
        const den = await room("den", di);
        const m = [];
        for (const body of ["1", "2", "3", "4"]) m.push((await send(den.id, di, body)).message); // revs 1..4
        await repo.messages.edit(m[1]!.id, "2!"); // seq 2 now at rev 5
        expect(await repo.messages.newestUpTo(den.id, { seq: 0, rev: 4 })).toBe(4);
        expect(await repo.messages.newestUpTo(den.id, { seq: 0, rev: 1 })).toBe(1);
        expect(await repo.messages.newestUpTo(den.id, { seq: 1, rev: 1 })).toBeNull();
        expect(await repo.messages.newestUpTo(den.id, { seq: 3, rev: 5 })).toBe(4);
        expect(await repo.messages.newestUpTo(den.id, { seq: 4, rev: 5 })).toBeNull();
      });
    });

    describe("replies and reactions", () => {
      test("a reply names what it answers: id, seq, author and the first 100 characters, '' once that is deleted", async () => {
        const [ann, bob] = [await user("ann"), await user("bob")];
        const den = await room("den", ann);
        const long = "x".repeat(150);
        const original = (await send(den.id, ann, `${long}`)).message;
        const reply = (
          await repo.messages.append({
            threadId: den.id,
            authorId: bob.id,
            body: "agreed",
            clientId: null,
            replyToId: original.id,
          })
        ).message;
        expect(reply.replyTo).toEqual({ id: original.id, seq: 1, author: ann, excerpt: "x".repeat(100) });
        expect(original.replyTo).toBeNull();
        expect((await repo.messages.find(reply.id))?.replyTo).toEqual(reply.replyTo);
        await repo.messages.markDeleted(original.id);
        expect((await repo.messages.find(reply.id))?.replyTo).toEqual({ id: original.id, seq: 1, author: ann, excerpt: "" });
        expect((await repo.messages.page(den.id, { limit: 5 })).map((m) => m.replyTo?.excerpt ?? null)).toEqual([null, ""]);
      });

      test("reactions: one row per person and emoji, in the order each emoji was first used, each change a rev", async () => {
        const [ann, bob, cy] = [await user("ann"), await user("bob"), await user("cy")];
        const den = await room("den", ann);
        const { message } = await send(den.id, ann, "lunch?"); // rev 1
        const thumbs = await repo.messages.react(message.id, bob.id, "👍", true); // rev 2
        expect(thumbs).toMatchObject({ rev: 2, editedAt: null, reactions: [{ emoji: "👍", count: 1, users: [bob] }] });
        expect(await repo.messages.react(message.id, bob.id, "👍", true)).toBeNull(); // already so: no rev
        await repo.messages.react(message.id, cy.id, "🎉", true); // rev 3
        await repo.messages.react(message.id, ann.id, "👍", true); // rev 4
        const now = (await repo.messages.find(message.id))!;
        expect(now.rev).toBe(4);
        expect(now.reactions).toEqual([
          { emoji: "👍", count: 2, users: [bob, ann] },
          { emoji: "🎉", count: 1, users: [cy] },
        ]);
        // Taken back: 👍 is now first used by ann, after cy's 🎉 (the order is that of the reactions there are).
        expect((await repo.messages.react(message.id, bob.id, "👍", false))?.reactions).toEqual([
          { emoji: "🎉", count: 1, users: [cy] },
          { emoji: "👍", count: 1, users: [ann] },
        ]); // rev 5
        expect(await repo.messages.react(message.id, bob.id, "👍", false)).toBeNull();
        expect((await repo.threads.find(den.id))?.lastRev).toBe(5);
        expect((await repo.messages.changedSince(den.id, 4, 10)).map((m) => m.reactions.length)).toEqual([2]);
        expect((await repo.messages.page(den.id, { limit: 5 }))[0]?.reactions).toHaveLength(2);
        // A deleted message takes no reaction.
        await repo.messages.markDeleted(message.id);
        expect(await repo.messages.react(message.id, cy.id, "👀", true)).toBeNull();
      });

      test("at most 20 distinct emoji on a message; more people with one of them is fine; 50 named, all counted", async () => {
        const people: User[] = [];
        for (let i = 0; i < 55; i++) people.push(await user(`p${i}`));
        const den = await room("den", people[0]!);
        const { message } = await send(den.id, people[0]!, "react to me");
        const emoji = Array.from({ length: 20 }, (_, i) => String.fromCodePoint(0x1f600 + i));
        for (const e of emoji) await repo.messages.react(message.id, people[0]!.id, e, true);
        expect(repo.messages.react(message.id, people[1]!.id, "🦄", true)).rejects.toBeInstanceOf(TooManyEmoji);
        for (const p of people.slice(1)) await repo.messages.react(message.id, p.id, emoji[0]!, true);
        const first = (await repo.messages.find(message.id))!.reactions[0]!;
        expect(first.count).toBe(55);
        expect(first.users).toHaveLength(50);
        expect(first.users[0]).toEqual(people[0]!);
      });
    });

    describe("read positions, levels, mentions and push subscriptions", () => {
      const state = async (userId: number, threadId: number) => (await repo.reading.states(userId, threadId))[0]!;
      const counts = async (userId: number, threadId: number) => {
        const { lastReadSeq, unread, mentionIds } = await state(userId, threadId);
        return { lastReadSeq, unread, mentions: mentionIds.length };
      };

      test("unread counts the others' messages after the read position, not deleted; sending reads up to one's own", async () => {
        const [ann, bob] = [await user("ann"), await user("bob")];
        const den = await room("den", ann);
        await repo.threads.addMember(den.id, bob.id);
        await send(den.id, ann, "one");
        const two = await send(den.id, ann, "two");
        await send(den.id, ann, "three");
        expect(await counts(bob.id, den.id)).toEqual({ lastReadSeq: 0, unread: 3, mentions: 0 });
        expect(await counts(ann.id, den.id)).toEqual({ lastReadSeq: 3, unread: 0, mentions: 0 });
        await repo.messages.markDeleted(two.message.id);
        expect((await counts(bob.id, den.id)).unread).toBe(2);
        // Bob answers: his read position moves to his message, and ann has one new.
        await send(den.id, bob, "four");
        expect(await counts(bob.id, den.id)).toEqual({ lastReadSeq: 4, unread: 0, mentions: 0 });
        expect(await counts(ann.id, den.id)).toEqual({ lastReadSeq: 3, unread: 1, mentions: 0 });
        expect(await state(bob.id, den.id)).toMatchObject({ threadId: den.id, kind: "room", lastSeq: 4, level: null });
      });

      test("a read position moves forward only; a non-member's is null; a newcomer has read what came before", async () => {
        const [ann, bob, cat] = [await user("ann"), await user("bob"), await user("cat")];
        const den = await room("den", ann);
        await repo.threads.addMember(den.id, bob.id);
        for (const body of ["a", "b", "c", "d"]) await send(den.id, ann, body);
        expect(await repo.reading.markRead(den.id, bob.id, 3)).toBe(3);
        expect(await repo.reading.markRead(den.id, bob.id, 1)).toBe(3);
        expect(await counts(bob.id, den.id)).toEqual({ lastReadSeq: 3, unread: 1, mentions: 0 });
        expect(await repo.reading.markRead(den.id, cat.id, 2)).toBeNull();
        await repo.threads.addMember(den.id, cat.id);
        expect(await counts(cat.id, den.id)).toEqual({ lastReadSeq: 4, unread: 0, mentions: 0 });
        // Every thread of a person at once, by id.
        const other = await room("other", bob);
        expect((await repo.reading.states(bob.id)).map((s) => s.threadId)).toEqual([den.id, other.id]);
      });

      test("mentions: a row per person reached, never the author; the message names those mentioned by name; an edit re-mentions", async () => {
        const [ann, bob, cat] = [await user("ann"), await user("bob"), await user("cat")];
        const den = await room("den", ann);
        for (const u of [bob, cat]) await repo.threads.addMember(den.id, u.id);
        const first = await repo.messages.append({
          threadId: den.id,
          authorId: ann.id,
          body: "@bob and @here",
          clientId: null,
          mentioned: { named: [bob], userIds: [bob.id, cat.id, ann.id] },
        });
        expect(first.message.mentions).toEqual([bob]);
        expect((await repo.messages.find(first.message.id))!.mentions).toEqual([bob]);
        expect((await counts(bob.id, den.id)).mentions).toBe(1);
        expect((await counts(cat.id, den.id)).mentions).toBe(1);
        expect((await repo.reading.mentionsOf(cat.id, 10)).map((m) => m.id)).toEqual([first.message.id]);
        expect(await repo.reading.mentionsOf(ann.id, 10)).toEqual([]);
        const edited = await repo.messages.edit(first.message.id, "just @cat", { named: [cat], userIds: [cat.id] });
        expect(edited!.mentions).toEqual([cat]);
        expect((await counts(bob.id, den.id)).mentions).toBe(0);
        expect((await state(cat.id, den.id)).mentionIds).toEqual([first.message.id]);
        const second = await repo.messages.append({
          threadId: den.id,
          authorId: bob.id,
          body: "@cat again",
          clientId: null,
          mentioned: { named: [cat], userIds: [cat.id] },
        });
        expect((await repo.reading.mentionsOf(cat.id, 10)).map((m) => m.id)).toEqual([second.message.id, first.message.id]);
        expect((await repo.reading.mentionsOf(cat.id, 1)).map((m) => m.id)).toEqual([second.message.id]);
        // Read, then deleted: neither counts.
        await repo.reading.markRead(den.id, cat.id, first.message.seq);
        expect((await counts(cat.id, den.id)).mentions).toBe(1);
        const deleted = await repo.messages.markDeleted(second.message.id);
        expect(deleted!.mentions).toEqual([]);
        expect((await counts(cat.id, den.id)).mentions).toBe(0);
        expect((await repo.reading.mentionsOf(cat.id, 10)).map((m) => m.id)).toEqual([first.message.id]);
      });

      test("a plain message writes no row per member", async () => {
        const people = await Promise.all(["p1", "p2", "p3", "p4", "p5"].map(user));
        const big = await room("big", people[0]!);
        for (const p of people.slice(1)) await repo.threads.addMember(big.id, p.id);
        await send(big.id, people[0]!, "hello everyone");
        for (const p of people.slice(1)) expect((await counts(p.id, big.id)).unread).toBe(1);
        expect(await repo.reading.mentionsOf(people[1]!.id, 10)).toEqual([]);
      });

      test("members named: only members, by lower-case username", async () => {
        const [ann, bob, cat] = [await user("ann"), await user("bob"), await user("cat")];
        const den = await room("den", ann);
        await repo.threads.addMember(den.id, bob.id);
        expect((await repo.reading.membersNamed(den.id, ["bob", "cat", "nobody"])).map((u) => u.username)).toEqual(["bob"]);
        expect(await repo.reading.membersNamed(den.id, [])).toEqual([]);
        expect(cat.username).toBe("cat");
      });

      test("levels: set and cleared; push subscriptions go to the members whose level takes the message", async () => {
        const [ann, bob, cat, dan] = [await user("ann"), await user("bob"), await user("cat"), await user("dan")];
        const den = await room("den", ann);
        for (const u of [bob, cat, dan]) await repo.threads.addMember(den.id, u.id);
        const direct = await repo.threads.openDirect(ann.id, bob.id);
        const sub = (name: string) => ({ endpoint: `https://push.example/${name}`, p256dh: `key-${name}`, auth: `auth-${name}` });
        expect(await repo.push.any()).toBe(false);
        for (const u of [ann, bob, cat, dan]) {
          await repo.sessions.insert({ id: `s-${u.username}`, userId: u.id, expiresAt: 4_102_444_800 });
          await repo.push.save(u.id, `s-${u.username}`, sub(u.username));
        }
        expect(await repo.push.any()).toBe(true);
        // Rooms default to mentions, direct threads to all.
        expect(await repo.push.forMessage(den.id, ann.id, [])).toEqual([]);
        expect((await repo.push.forMessage(den.id, ann.id, [cat.id])).map((s) => s.userId)).toEqual([cat.id]);
        expect(await repo.push.forMessage(direct.id, ann.id, [])).toEqual([{ ...sub("bob"), userId: bob.id }]);
        await repo.reading.setLevel(den.id, dan.id, "all");
        await repo.reading.setLevel(den.id, cat.id, "none");
        expect((await state(dan.id, den.id)).level).toBe("all");
        expect((await repo.push.forMessage(den.id, ann.id, [cat.id])).map((s) => s.userId)).toEqual([dan.id]);
        await repo.reading.setLevel(direct.id, bob.id, "mentions");
        expect(await repo.push.forMessage(direct.id, ann.id, [])).toEqual([]);
        await repo.reading.setLevel(den.id, dan.id, null);
        expect((await state(dan.id, den.id)).level).toBeNull();
        // The same endpoint again replaces it, even for another person; removing checks the owner when asked.
        await repo.push.save(cat.id, "s-cat", { ...sub("dan"), p256dh: "new" });
        await repo.reading.setLevel(den.id, cat.id, "all");
        expect(await repo.push.forMessage(den.id, ann.id, [])).toEqual(
          [
            { ...sub("cat"), userId: cat.id },
            { ...sub("dan"), p256dh: "new", userId: cat.id },
          ].sort((a, b) => a.endpoint.localeCompare(b.endpoint)) as never,
        );
        // A device whose session ended (signed out, a new password, a ban) gets nothing more.
        await repo.sessions.revoke("s-cat");
        expect(await repo.push.forMessage(den.id, ann.id, [])).toEqual([]);
        expect(await repo.push.remove(sub("dan").endpoint, dan.id)).toBe(false);
        expect(await repo.push.remove(sub("dan").endpoint, cat.id)).toBe(true);
        expect(await repo.push.remove(sub("cat").endpoint)).toBe(true);
        expect(await repo.push.remove(sub("cat").endpoint)).toBe(false);
      });
    });

    describe("several connections at once", () => {
      let others: Repository[] = [];
      beforeEach(async () => {
        others = await Promise.all(Array.from({ length: 6 }, () => factory.open()));
      });
      afterEach(() => Promise.all(others.map((connection) => connection.close())));

      test("5 appenders × 100 messages into one thread: seq exactly 1..500, and no reader ever sees a gap", async () => {
        const authors = await Promise.all(["wes", "xia", "yan", "zed", "abe"].map(user));
        const den = await room("den", authors[0]!);
        for (const author of authors) await repo.threads.addMember(den.id, author.id);
        const [readerConnection, ...appenders] = others;

        // A client that reads "everything after the last seq I saw" while the writers run: if a seq
        // became visible before a lower one committed, it would step over the lower one for good.
        let writing = true;
        const reader = (async () => {
          const seen: number[] = [];
          for (;;) {
            // Sampled before reading: an empty read that began after the writers finished is the last one.
            const finished = !writing;
            const page = await readerConnection!.messages.page(den.id, { after: seen.at(-1) ?? 0, limit: 200 });
            seen.push(...page.map((m) => m.seq));
            if (page.length > 0) continue;
            if (finished) return seen;
            await Bun.sleep(1);
          }
        })();

        const perAppender = await Promise.all(
          appenders.map(async (connection, i) => {
            const seqs: number[] = [];
            for (let n = 0; n < 100; n++) {
              const { message } = await connection.messages.append({
                threadId: den.id,
                authorId: authors[i]!.id,
                body: `${i}:${n}`,
                clientId: `${i}:${n}`,
              });
              seqs.push(message.seq);
            }
            return seqs;
          }),
        ).finally(() => {
          writing = false;
        });
        const all = Array.from({ length: 500 }, (_, i) => i + 1);
        expect(await reader).toEqual(all);

        for (const seqs of perAppender) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(perAppender.flat().sort((a, b) => a - b)).toEqual(all);
        const stored = await repo.messages.page(den.id, { after: 0, limit: 1000 });
        expect(stored.map((m) => m.seq)).toEqual(all);
        expect((await repo.threads.find(den.id))?.lastSeq).toBe(500);
      });

      test("appenders and editors on every connection at once: revs exactly 1..N, and a reader by rev misses nothing", async () => {
        const authors = await Promise.all(["fox", "gio", "hun"].map(user));
        const den = await room("den", authors[0]!);
        const seed: Message[] = [];
        for (let i = 0; i < 10; i++) seed.push((await send(den.id, authors[0]!, `seed ${i}`)).message);
        const [readerConnection, ...writers] = others;
        let writing = true;
        // Follows the thread by rev as a feed does: the latest state of every message, whatever it skipped.
        const reader = (async () => {
          const state = new Map<number, Message>();
          let rev = 0;
          for (;;) {
            const finished = !writing;
            const changed = await readerConnection!.messages.changedSince(den.id, rev, 200);
            for (const message of changed) state.set(message.id, message);
            rev = changed.at(-1)?.rev ?? rev;
            if (changed.length > 0) continue;
            if (finished) return state;
            await Bun.sleep(1);
          }
        })();
        const revs = await Promise.all(
          writers.map(async (connection, i) => {
            const mine: number[] = [];
            for (let n = 0; n < 40; n++) {
              const result =
                n % 2 === 0
                  ? (
                      await connection.messages.append({
                        threadId: den.id,
                        authorId: authors[i % 3]!.id,
                        body: `${i}:${n}`,
                        clientId: null,
                      })
                    ).message
                  : (await connection.messages.edit(seed[(i + n) % seed.length]!.id, `edit ${i}:${n}`))!;
              mine.push(result.rev);
            }
            return mine;
          }),
        ).finally(() => {
          writing = false;
        });
        const total = 10 + writers.length * 40;
        expect([...seed.map((m) => m.rev), ...revs.flat()].sort((a, b) => a - b)).toEqual(
          Array.from({ length: total }, (_, i) => i + 1),
        );
        for (const mine of revs) expect(mine).toEqual([...mine].sort((a, b) => a - b));
        const final = await repo.messages.page(den.id, { after: 0, limit: 1000 });
        const followed = await reader;
        expect(final.map((m) => followed.get(m.id))).toEqual(final);
        expect((await repo.threads.find(den.id))?.lastRev).toBe(total);
      });

      test("edits and deletes of one message from every connection at once: it ends deleted and empty, each change one rev", async () => {
        const kit = await user("kit");
        const den = await room("den", kit);
        const targets: Message[] = [];
        for (let i = 0; i < 5; i++) targets.push((await send(den.id, kit, `target ${i}`)).message);
        const results = await Promise.all(
          targets.flatMap((target) =>
            others.map((connection, i) =>
              i % 2 ? connection.messages.markDeleted(target.id) : connection.messages.edit(target.id, `edit ${i}`),
            ),
          ),
        );
        for (const target of targets) expect(await repo.messages.find(target.id)).toMatchObject({ body: "", deleted: true });
        // Exactly one delete per message changed anything; each change that did took a rev of its own.
        const changes = results.filter((r) => r !== null);
        expect(changes.filter((r) => r!.deleted)).toHaveLength(targets.length);
        expect(changes.filter((r) => r!.deleted).every((r) => r!.body === "")).toBe(true);
        const revs = changes.map((r) => r!.rev).sort((a, b) => a - b);
        expect(revs).toEqual(Array.from({ length: changes.length }, (_, i) => targets.length + 1 + i));
        expect((await repo.threads.find(den.id))?.lastRev).toBe(targets.length + changes.length);
      });

      test("the same reaction toggled from every connection at once: one row, and the count is right", async () => {
        const [lin, mo] = [await user("lin"), await user("mo")];
        const den = await room("den", lin);
        const { message } = await send(den.id, lin, "click me");
        const results = await Promise.all(
          others.flatMap((connection) => [
            connection.messages.react(message.id, mo.id, "👍", true),
            connection.messages.react(message.id, lin.id, "👍", true),
          ]),
        );
        expect(results.filter((r) => r !== null)).toHaveLength(2);
        expect((await repo.messages.find(message.id))?.reactions).toEqual([{ emoji: "👍", count: 2, users: expect.any(Array) }]);
        expect((await repo.threads.find(den.id))?.lastRev).toBe(3);
      });

      test("the same (author, clientId) sent through every connection at once is stored once", async () => {
        const bea = await user("bea");
        const den = await room("den", bea);
        const results = await Promise.all(
          others.flatMap((connection) =>
            Array.from({ length: 4 }, () =>
              connection.messages.append({ threadId: den.id, authorId: bea.id, body: "retry", clientId: "same" }),
            ),
          ),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const [first] = results.map((r) => r.message);
        for (const { message } of results) expect(message).toEqual(first as Message);
        expect(first?.seq).toBe(1);
        expect((await send(den.id, bea, "after")).message.seq).toBe(2);
      });

      test("the first contact of a pair from every connection at once makes one direct thread", async () => {
        const [cy, di] = [await user("cy"), await user("di")];
        const threads = await Promise.all(
          others.flatMap((connection, i) =>
            Array.from({ length: 4 }, (_, n) =>
              (i + n) % 2 ? connection.threads.openDirect(cy.id, di.id) : connection.threads.openDirect(di.id, cy.id),
            ),
          ),
        );
        expect(new Set(threads.map((t) => t.id)).size).toBe(1);
        expect(await repo.threads.members(threads[0]!.id)).toEqual([cy, di]);
        expect((await repo.threads.listForUser(cy.id)).filter((t) => t.kind === "direct")).toHaveLength(1);
      });

      test("the same room name created from every connection at once makes one room", async () => {
        const eve = await user("eve");
        const rooms = await Promise.all(
          others.map((connection, i) => connection.threads.createRoom(i % 2 ? "Race" : "race", eve.id)),
        );
        expect(rooms.filter((r) => r !== null)).toHaveLength(1);
        expect(await repo.threads.listRooms()).toHaveLength(1);
      });
    });
  });
}
