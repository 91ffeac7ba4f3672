#!/usr/bin/env bash
# Fetches Amazon's DynamoDB Local (shipped inside the npm package
# amplify-dynamodb-simulator) into .deps/dynamodb-local. Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${DYNAMODB_LOCAL_DIR:-$ROOT/.deps/dynamodb-local}"
VERSION="${AMPLIFY_DYNAMODB_SIMULATOR_VERSION:-2.9.30}"
if [ -f "$DEST/DynamoDBLocal.jar" ]; then
  echo "install-dynamodb-local: present at $DEST"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "amplify-dynamodb-simulator@$VERSION" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$(dirname "$DEST")"
rm -rf "$DEST"
mv "$tmp/package/emulator" "$DEST"
echo "install-dynamodb-local: installed $(ls "$DEST"/DynamoDBLocal.jar) (amplify-dynamodb-simulator $VERSION)"
