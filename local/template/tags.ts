/** A resource's CloudFormation `Tags` (a list of `{ Key, Value }`) as a map; none for anything else. */
export function tagMap(tags: unknown): Record<string, string> {
  return Array.isArray(tags)
    ? Object.fromEntries((tags as { Key?: unknown; Value?: unknown }[]).map((tag) => [String(tag.Key), String(tag.Value)]))
    : {};
}

/** A definition's `tags` member: the resource's template Tags as a map, when it has some. */
export function templateTags(tags: unknown): { tags?: Record<string, string> } {
  return Array.isArray(tags) ? { tags: tagMap(tags) } : {};
}
