// Search, one contract for every dialect: what `repo.search.messages` finds, for whom, in which order, and what it never finds.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { parseSearch } from "../../../src/chat/search-query.ts";
import type { Message, MessageSearch, Repository, User } from "../../../src/db/repository.ts";
import { repositoryFactories } from "../../helpers/databases.ts";

for (const factory of await repositoryFactories()) {
  describe(`search on ${factory.name}`, () => {
    let repo: Repository;
    beforeAll(async () => {
      repo = await factory.open();
    });
    beforeEach(() => factory.reset());
    afterAll(() => factory.cleanup());

    const user = async (username: string): Promise<User> => (await repo.users.insert(username, `hash-of-${username}`))!;
    const room = async (name: string, creator: User, ...others: User[]) => {
      const thread = (await repo.threads.createRoom(name, creator.id))!;
      for (const other of others) await repo.threads.addMember(thread.id, other.id);
      return thread;
    };
    const send = async (threadId: number, author: User, body: string) =>
      (await repo.messages.append({ threadId, authorId: author.id, body, clientId: null })).message;
    /** What `who` finds for `q`, as bodies, newest first. */
    const search = async (who: User, q: string, options: Partial<Omit<MessageSearch, "userId" | "query">> = {}) =>
      repo.search.messages({
        userId: who.id,
        query: parseSearch(q),
        threadIds: null,
        authorId: null,
        beforeId: null,
        limit: 20,
        ...options,
      });
    const bodies = (found: Message[]) => found.map((m) => m.body);

    let ann: User;
    let ben: User;
    let cat: User;
    beforeEach(async () => {
      [ann, ben, cat] = [await user("ann"), await user("ben"), await user("cat")];
    });

    test("a word matches anywhere in a word, in any case and without its accents", async () => {
      const general = await room("general", ann);
      await send(general.id, ann, "The Deployment is done");
      await send(general.id, ann, "Café crème for everyone");
      await send(general.id, ann, "Nothing to see");
      await send(general.id, ann, "STRASSE oder Straße, Ærøskøbing");
      expect(bodies(await search(ann, "ploy"))).toEqual(["The Deployment is done"]);
      expect(bodies(await search(ann, "DEPLOYMENT"))).toEqual(["The Deployment is done"]);
      expect(bodies(await search(ann, "cafe CREME"))).toEqual(["Café crème for everyone"]);
      expect(bodies(await search(ann, "crème"))).toEqual(["Café crème for everyone"]);
      expect(bodies(await search(ann, "straße"))).toEqual(["STRASSE oder Straße, Ærøskøbing"]);
      expect(bodies(await search(ann, "aeroskobing"))).toEqual(["STRASSE oder Straße, Ærøskøbing"]);
      expect(await search(ann, "missing")).toEqual([]);
    });

    test("every word is required; a phrase matches exactly, spaces and order included", async () => {
      const general = await room("general", ann);
      await send(general.id, ann, "deploy failed on staging");
      await send(general.id, ann, "staging deploy was fine");
      await send(general.id, ann, "the deploy  failed twice");
      expect(bodies(await search(ann, "deploy staging"))).toEqual(["staging deploy was fine", "deploy failed on staging"]);
      expect(bodies(await search(ann, "deploy failed staging"))).toEqual(["deploy failed on staging"]);
      expect(bodies(await search(ann, '"deploy failed"'))).toEqual(["deploy failed on staging"]);
      expect(bodies(await search(ann, '"deploy  failed"'))).toEqual(["the deploy  failed twice"]);
      expect(bodies(await search(ann, '"staging deploy" fine'))).toEqual(["staging deploy was fine"]);
    });

    test("what means something to a search engine or to SQL is text", async () => {
      const general = await room("general", ann);
      const texts = [
        "use a*b NEAR c",
        'she said "ok" then left',
        "100% done_ok in the zone",
        "'; drop table messages; --",
        "-minus and ^caret (paren) {brace} col:on",
      ];
      for (const text of texts) await send(general.id, ann, text);
      expect(bodies(await search(ann, "a*b"))).toEqual(["use a*b NEAR c"]);
      expect(bodies(await search(ann, "near"))).toEqual(["use a*b NEAR c"]);
      expect(bodies(await search(ann, '"said "'))).toEqual(['she said "ok" then left']);
      expect(bodies(await search(ann, "100%"))).toEqual(["100% done_ok in the zone"]);
      expect(bodies(await search(ann, "done_ok"))).toEqual(["100% done_ok in the zone"]);
      expect(await search(ann, "z_ne")).toEqual([]);
      expect(await search(ann, "0%d")).toEqual([]);
      expect(bodies(await search(ann, "'; drop table"))).toEqual(["'; drop table messages; --"]);
      expect(bodies(await search(ann, "-minus ^caret (paren) {brace}"))).toEqual(["-minus and ^caret (paren) {brace} col:on"]);
      expect(bodies(await search(ann, '"col:on"'))).toEqual(["-minus and ^caret (paren) {brace} col:on"]);
      expect(await repo.messages.page(general.id, { limit: 10 })).toHaveLength(texts.length);
    });

    test("only the searcher's threads: not a room of others, not a direct thread of two other people", async () => {
      const mine = await room("mine", ann, ben);
      const theirs = await room("theirs", ben, cat);
      const ownDirect = await repo.threads.openDirect(ann.id, ben.id);
      const othersDirect = await repo.threads.openDirect(ben.id, cat.id);
      await send(mine.id, ben, "secret plan in mine");
      await send(theirs.id, ben, "secret plan in theirs");
      await send(ownDirect.id, ben, "secret plan with ann");
      await send(othersDirect.id, ben, "secret plan with cat");
      expect(bodies(await search(ann, "secret"))).toEqual(["secret plan with ann", "secret plan in mine"]);
      expect(bodies(await search(cat, "secret"))).toEqual(["secret plan with cat", "secret plan in theirs"]);
      expect(bodies(await search(ben, "secret"))).toHaveLength(4);
      // Asking for a thread one is not in finds nothing in it.
      expect(await search(ann, "secret", { threadIds: [theirs.id, othersDirect.id] })).toEqual([]);
      expect(bodies(await search(ann, "secret", { threadIds: [theirs.id, mine.id] }))).toEqual(["secret plan in mine"]);
      expect(await search(ann, "secret", { threadIds: [] })).toEqual([]);
      // Joining a room makes its history searchable.
      await repo.threads.addMember(theirs.id, ann.id);
      expect(bodies(await search(ann, "theirs"))).toEqual(["secret plan in theirs"]);
    });

    test("a deleted message is never found; an edited one by its new text only", async () => {
      const general = await room("general", ann);
      const doomed = await send(general.id, ann, "release notes draft");
      const edited = await send(general.id, ann, "first version of the roadmap");
      await send(general.id, ann, "release day");
      await repo.messages.markDeleted(doomed.id);
      await repo.messages.edit(edited.id, "second take on the plan");
      expect(bodies(await search(ann, "release"))).toEqual(["release day"]);
      expect(await search(ann, "notes")).toEqual([]);
      expect(await search(ann, "roadmap")).toEqual([]);
      expect(await search(ann, "version")).toEqual([]);
      const [found] = await search(ann, "take plan");
      expect(found).toMatchObject({ id: edited.id, body: "second take on the plan", editedAt: expect.any(String) });
      // Edited again, back to the first words: found by them again, once.
      await repo.messages.edit(edited.id, "roadmap again");
      expect((await search(ann, "roadmap")).map((m) => m.id)).toEqual([edited.id]);
      expect(await search(ann, "take")).toEqual([]);
    });

    test("filters: the author, the threads and the days (after and before leave out the day they name)", async () => {
      const general = await room("general", ann, ben);
      const random = await room("random", ann, ben);
      await send(general.id, ann, "status from ann");
      await send(general.id, ben, "status from ben");
      await send(random.id, ben, "status from ben elsewhere");
      expect(bodies(await search(ann, "status", { authorId: ben.id }))).toEqual(["status from ben elsewhere", "status from ben"]);
      expect(bodies(await search(ann, "status", { authorId: ben.id, threadIds: [general.id] }))).toEqual(["status from ben"]);
      expect(bodies(await search(ann, "status", { threadIds: [random.id] }))).toEqual(["status from ben elsewhere"]);

      const today = new Date().toISOString().slice(0, 10);
      const day = (offset: number) => new Date(Date.parse(today) + offset * 86_400_000).toISOString().slice(0, 10);
      expect(await search(ann, `status after:${today}`)).toEqual([]);
      expect(await search(ann, `status before:${today}`)).toEqual([]);
      expect(await search(ann, `status after:${day(-1)}`)).toHaveLength(3);
      expect(await search(ann, `status before:${day(1)}`)).toHaveLength(3);
      expect(await search(ann, `status after:${day(-1)} before:${day(1)}`)).toHaveLength(3);
      expect(await search(ann, `status after:${day(1)}`)).toEqual([]);
      expect(await search(ann, `status before:${day(-1)}`)).toEqual([]);
    });

    test("newest first across threads, paged by the id of the last one shown", async () => {
      const general = await room("general", ann, ben);
      const random = await room("random", ann);
      const sent: Message[] = [];
      for (let i = 0; i < 25; i++) {
        sent.push(await send(i % 3 === 0 ? random.id : general.id, i % 2 ? ben : ann, `note number ${i}`));
        if (i % 5 === 0) await send(general.id, ann, "unrelated chatter");
      }
      const newestFirst = sent.map((m) => m.id).reverse();
      const first = await search(ann, "note", { limit: 10 });
      expect(first.map((m) => m.id)).toEqual(newestFirst.slice(0, 10));
      const second = await search(ann, "note", { limit: 10, beforeId: first.at(-1)!.id });
      expect(second.map((m) => m.id)).toEqual(newestFirst.slice(10, 20));
      const third = await search(ann, "note", { limit: 10, beforeId: second.at(-1)!.id });
      expect(third.map((m) => m.id)).toEqual(newestFirst.slice(20));
      expect(await search(ann, "note", { limit: 10, beforeId: third.at(-1)!.id })).toEqual([]);
      // The same with a filter.
      const bens = sent
        .filter((m) => m.author.id === ben.id)
        .map((m) => m.id)
        .reverse();
      const page1 = await search(ann, "note", { limit: 4, authorId: ben.id });
      const page2 = await search(ann, "note", { limit: 4, authorId: ben.id, beforeId: page1.at(-1)!.id });
      expect([...page1, ...page2].map((m) => m.id)).toEqual(bens.slice(0, 8));
      // The message comes whole, as every other read gives it.
      expect(first[0]).toEqual((await repo.messages.find(first[0]!.id))!);
    });

    test("a searcher in more threads than one round searches is searched in rounds, newest first throughout", async () => {
      const ids: number[] = [];
      for (let i = 0; i < 130; i++) {
        const thread = await room(`room-${i}`, ann);
        ids.push((await send(thread.id, ann, `hello from room ${i}`)).id);
      }
      const found = await search(ann, "hello", { limit: 30 });
      expect(found.map((m) => m.id)).toEqual(ids.reverse().slice(0, 30));
    });
  });
}
