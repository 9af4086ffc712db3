// A message body with its web addresses as links. Every piece is escaped; only http(s) becomes a link.
const urlPattern = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])/g;

export function Linkified({ text }: { text: string }) {
  const parts = text.split(urlPattern);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <a href={part} rel="noopener noreferrer nofollow ugc" target="_blank" safe>
            {part}
          </a>
        ) : (
          <span safe>{part}</span>
        ),
      )}
    </>
  );
}
