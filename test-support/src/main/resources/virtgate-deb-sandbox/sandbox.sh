#!/usr/bin/env bash
# Runs a command as if on this machine, but with every write under /usr, /etc and /var going to
# SANDBOX/upper/<dir> (overlayfs over the real directory). Run it inside a private mount namespace:
#
#   unshare --mount --propagation private -- bash sandbox.sh SANDBOX COMMAND [ARGS...]
#
# The overlays exist only in that namespace: when the command exits they are gone with it, and the
# real /usr, /etc and /var were never written. The upper directories stay in SANDBOX, so the next
# call sees what the previous one installed (dpkg -i, then dpkg -r ...). rm -rf SANDBOX forgets it.
#
# Mounts below /usr, /etc and /var (a lab host's private /etc/libvirt, /etc/pki, /etc/hosts,
# /var/lib/libvirt: deploy/lab) stay what they are: an overlay shows only its lower directory's own
# file system, so each of them is moved aside first and put back on top of the overlay afterwards.
set -euo pipefail
sandbox="$1"
shift
[[ $(findmnt -n -o PROPAGATION /) == private ]] || {
  echo "sandbox.sh: not in a private mount namespace (run it under unshare --mount --propagation private)" >&2
  exit 2
}
# the outermost mounts strictly below /usr, /etc or /var (one inside another moves with it)
kept=()
while read -r target; do
  [[ $target =~ ^/(usr|etc|var)/ ]] || continue
  [[ $target == *\\* ]] && { echo "sandbox.sh: cannot keep the mount $target" >&2; exit 2; }
  for outer in "${kept[@]}"; do
    [[ $target == "$outer"/* || $target == "$outer" ]] && continue 2
  done
  kept+=("$target")
done < <(findmnt -rn -o TARGET | sort)
aside="$sandbox/aside.$$"
for i in "${!kept[@]}"; do
  mkdir -p "$aside"
  if [[ -d ${kept[$i]} ]]; then mkdir "$aside/$i"; else touch "$aside/$i"; fi
  mount --move "${kept[$i]}" "$aside/$i"
done
for dir in usr etc var; do
  mkdir -p "$sandbox/upper/$dir" "$sandbox/work/$dir"
  mount -t overlay "sandbox-$dir" \
    -o "lowerdir=/$dir,upperdir=$sandbox/upper/$dir,workdir=$sandbox/work/$dir" "/$dir"
done
for i in "${!kept[@]}"; do
  mount --move "$aside/$i" "${kept[$i]}"
  rm -rf "${aside:?}/$i" # an empty mount point or file once the mount has moved on
done
[[ ! -d $aside ]] || rmdir "$aside"
exec "$@"
