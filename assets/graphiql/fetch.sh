#!/usr/bin/env bash
# Re-fetches the GraphiQL page's assets from the npm registry (the only network this needs)
# and checks them against SHA256SUMS. The files are checked in, so building newsgraph never
# needs the network; run this only to verify or to upgrade (then update SHA256SUMS).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent graphiql@4.1.2 react@18.3.1 react-dom@18.3.1 >/dev/null)
for pkg in graphiql-4.1.2 react-18.3.1 react-dom-18.3.1; do
  mkdir -p "$tmp/$pkg" && tar xzf "$tmp/$pkg.tgz" -C "$tmp/$pkg" --strip-components=1
done
cp "$tmp/graphiql-4.1.2/graphiql.min.js" "$tmp/graphiql-4.1.2/graphiql.min.css" .
cp "$tmp/react-18.3.1/umd/react.production.min.js" "$tmp/react-dom-18.3.1/umd/react-dom.production.min.js" .
sha256sum -c SHA256SUMS
