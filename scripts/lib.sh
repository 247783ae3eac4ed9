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

# cache_dir NAME — the folder for NAME's downloads and builds, outside the repository:
# ${STROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strobe}/NAME (created).
cache_dir() {
    local d="${STROBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strobe}/$1"
    mkdir -p "$d" && echo "$d"
}

# debian_mirrors main|security — the URIs of this machine's own Debian sources (any mirror),
# one per line: "main" those of the archive proper, "security" those of -security suites.
# STROBE_DEBIAN_MIRROR / STROBE_DEBIAN_SECURITY_MIRROR override them.
debian_mirrors() {
    local want=$1 f
    if [ "$want" = main ] && [ -n "${STROBE_DEBIAN_MIRROR:-}" ]; then echo "$STROBE_DEBIAN_MIRROR"; return 0; fi
    if [ "$want" = security ] && [ -n "${STROBE_DEBIAN_SECURITY_MIRROR:-}" ]; then echo "$STROBE_DEBIAN_SECURITY_MIRROR"; return 0; fi
    {
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            [ -e "$f" ] || continue
            # "deb [options] URI suite components"
            awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ } print $i, $(i + 1) }' "$f"
        done
        for f in /etc/apt/sources.list.d/*.sources; do
            [ -e "$f" ] || continue
            # deb822: one Types/URIs/Suites stanza per source.
            awk 'BEGIN { RS = ""; FS = "\n" }
                 {
                     uris = ""; suites = ""; isdeb = 0
                     for (i = 1; i <= NF; i++) {
                         if ($i ~ /^Types:/ && $i ~ /[ \t]deb([ \t]|$)/) isdeb = 1
                         if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
                         if ($i ~ /^Suites:/) { suites = $i; sub(/^Suites:[ \t]*/, "", suites) }
                     }
                     if (!isdeb) next
                     nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
                     for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) print u[a], s[b]
                 }' "$f"
        done
    } | awk -v want="$want" '
        # Debian suites only (a codename, optionally -updates/-security/-backports): third-party
        # repositories use other names ("nodistro", "cloud-sdk-bookworm").
        $2 !~ /^(buster|bullseye|bookworm|trixie|forky|sid|stable|testing|unstable|oldstable)(-[a-z]+)?$/ { next }
        (want == "security") == ($2 ~ /-security$/) && !seen[$1]++ { print $1 }'
}

# private_apt DIR ARCH SUITE... — an apt state of its own in DIR (sources, lists, cache) that
# reads SUITE... for ARCH from this machine's Debian mirrors, leaving the host's dpkg and apt
# state alone (nothing is installed from it: .debs are downloaded and unpacked). Sets the
# array `apt_opts` for apt-get/apt-cache, and reads the package lists when they are missing,
# older than 7 days or the sources changed (STROBE_APT_REFRESH=1: now). Serialize callers that
# share DIR with flock.
private_apt() {
    local dir=$1 arch=$2 suite uri
    shift 2
    mkdir -p "$dir"/{lists/partial,cache/archives/partial,etc/sources.list.d,etc/preferences.d}
    {
        for suite in "$@"; do
            case "$suite" in
                *-security) for uri in $(debian_mirrors security); do echo "deb [arch=$arch] $uri $suite main"; done ;;
                *) for uri in $(debian_mirrors main); do echo "deb [arch=$arch] $uri $suite main"; done ;;
            esac
        done
    } >"$dir/etc/sources.list.new"
    if ! grep -q '^deb ' "$dir/etc/sources.list.new"; then
        echo "no Debian apt source in /etc/apt to read $* from; set STROBE_DEBIAN_MIRROR" >&2
        return 1
    fi
    local refresh=${STROBE_APT_REFRESH:-}
    if cmp -s "$dir/etc/sources.list.new" "$dir/etc/sources.list"; then
        rm -f "$dir/etc/sources.list.new"
    else
        mv "$dir/etc/sources.list.new" "$dir/etc/sources.list"
        refresh=1
    fi
    apt_opts=(
        -o APT::Architecture="$arch" -o APT::Architectures::="$arch"
        -o Dir::Etc::SourceList="$dir/etc/sources.list"
        -o Dir::Etc::SourceParts="$dir/etc/sources.list.d"
        -o Dir::Etc::Preferences="$dir/etc/preferences"
        -o Dir::Etc::PreferencesParts="$dir/etc/preferences.d"
        -o Dir::State::Lists="$dir/lists"
        -o Dir::Cache="$dir/cache"
        -o Dir::State::status=/dev/null
        -o Debug::NoLocking=1 # the caller's flock serializes runs
        -o Acquire::Retries=3
    )
    # apt drops to the _apt user for downloads when run as root; that user can't enter $HOME.
    [ "$(id -u)" -eq 0 ] && apt_opts+=(-o APT::Sandbox::User=root)
    local stamp="$dir/lists/.updated"
    if [ -n "$refresh" ] || [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mtime +7 2>/dev/null)" ]; then
        log "reading Debian's package lists ($*, $arch) into $dir"
        if apt-get "${apt_opts[@]}" -qq update >"$dir/update.log" 2>&1; then
            touch "$stamp"
        elif [ -e "$stamp" ]; then
            log "could not refresh the package lists (offline?): using the ones from $(date -r "$stamp" +%F)"
        else
            sed 's/^/    /' "$dir/update.log" >&2
            echo "could not read Debian's package lists for $* ($arch)" >&2
            return 1
        fi
    fi
}
