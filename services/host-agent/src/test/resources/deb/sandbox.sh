#!/usr/bin/env bash
# Runs a command as if on this machine, but with every write under /usr, /etc and /var going to
# SANDBOX/upper/<dir> (overlayfs over the real directory). Run it inside a private mount namespace:
#
#   unshare --mount --propagation private -- bash sandbox.sh SANDBOX COMMAND [ARGS...]
#
# The overlays exist only in that namespace: when the command exits they are gone with it, and the
# real /usr, /etc and /var were never written. The upper directories stay in SANDBOX, so the next
# call sees what the previous one installed (dpkg -i, then dpkg -r ...). rm -rf SANDBOX forgets it.
set -euo pipefail
sandbox="$1"
shift
[[ $(findmnt -n -o PROPAGATION /) == private ]] || {
  echo "sandbox.sh: not in a private mount namespace (run it under unshare --mount --propagation private)" >&2
  exit 2
}
for dir in usr etc var; do
  mkdir -p "$sandbox/upper/$dir" "$sandbox/work/$dir"
  mount -t overlay "sandbox-$dir" \
    -o "lowerdir=/$dir,upperdir=$sandbox/upper/$dir,workdir=$sandbox/work/$dir" "/$dir"
done
exec "$@"
