# Shared helpers for the scripts in this folder. Source it; don't run it.

log() { printf '==> %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# need_packages PKG... — install the Debian packages that are missing (apt-get update once).
need_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    if [ -z "${STROBE_APT_UPDATED:-}" ]; then
        as_root apt-get update -qq
        export STROBE_APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# need_swift — Swift 6.1 or newer on PATH (it comes from swift.org, not from Debian).
need_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
            [ -x "$d/swift" ] && export PATH="$d:$PATH" && break
        done
    fi
    command -v swift >/dev/null 2>&1 || {
        echo "Swift 6.1 or newer is needed: install it from swift.org (e.g. with swiftly) and put it on PATH" >&2
        exit 1
    }
}
