// Each viewer's own stylesheet: it shows Edit and Delete on that viewer's messages and marks the
// reactions that are theirs and the messages that mention them, so that one rendering of a message serves every viewer, in pages and live
// pushes alike. Browsers keep it for a year, so its address names a version of these rules.

/** The rules for the viewer with this id (digits only: the route checks). */
export function viewerStyles(userId: string): string {
  const own = `.msg[data-author="${userId}"]`;
  const mine = `.reaction[data-users~="${userId}"]`;
  const mentionsMe = `.msg[data-mentions~="${userId}"]`;
  return [
    `${own} .own-actions{display:flex}`,
    `${own}{--mine:1}`,
    `${own} .bubble,${own}{background:var(--mine-bg)}`,
    `${mine}{border-color:var(--accent);background:var(--accent-soft);color:var(--accent)}`,
    `${mentionsMe}{background:var(--mention-bg);box-shadow:inset 3px 0 0 var(--warn)}`,
    "",
  ].join("\n");
}

const version = Bun.hash(viewerStyles("0")).toString(36);

export const viewerStylesheetUrl = (userId: number) => `/viewer/${userId}.css?v=${version}`;
