#!/usr/bin/env bash
# Shell completion (packaging/completion/): bash's `complete` runs _sixfour_complete, checked as compgen
# would see it: subcommands, the options of a subcommand and of a subcommand's subcommand, interface
# names for --tun/--inside/--uplink, fixed words for --fast-path, files for --config; zsh loads the
# same function through bashcompinit when zsh is installed. Needs no root and no namespace.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
WORK=$(mktemp -d /tmp/sixfour-completion.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ln -s "$SIXFOUR" "$WORK/sixfour"
export PATH="$WORK:$PATH"

# complete_words WORD...: what bash would offer after WORD... (the last one is being typed).
complete_words() {
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _sixfour_complete
    printf "%s\n" "${COMPREPLY[@]}"' _ "$ROOT/packaging/completion/sixfour.bash" "$@"
}
# expect WHAT WORD... :: WANTED...: every WANTED is among the offers.
expect() {
  local what=$1 words=() got
  shift
  while [[ $1 != "::" ]]; do words+=("$1"); shift; done
  shift
  got=" $(complete_words "${words[@]}" | tr '\n' ' ') "
  for w in "$@"; do [[ $got == *" $w "* ]] || fail "$what: '$w' not offered after '${words[*]}': $got"; done
  echo "ok: $what: $*"
}
# expect_only WHAT WORD... :: WANTED...: exactly these, in any order.
expect_only() {
  local what=$1 words=() got want
  shift
  while [[ $1 != "::" ]]; do words+=("$1"); shift; done
  shift
  got=$(complete_words "${words[@]}" | sort | xargs)
  want=$(printf '%s\n' "$@" | sort | xargs)
  [[ $got == "$want" ]] || fail "$what: after '${words[*]}' offered '$got', wanted '$want'"
  echo "ok: $what: $want"
}

expect_only "subcommands" sixfour "" :: nat64 siit dns64 socks gateway clat lab doctor
expect_only "subcommands starting with s" sixfour s :: siit socks
expect "nat64 options" sixfour nat64 --p :: --prefix --pool4 --print-config
expect "the new settings are offered" sixfour dns64 -- :: --metrics --config --allow --upstream
expect_only "nat64's query subcommands" sixfour nat64 "" :: stats sessions bib
expect "options of a query subcommand" sixfour nat64 stats -- :: --json --control
expect_only "lab subcommands" sixfour lab "" :: up down demo shell
expect "--tun: interface names" sixfour nat64 --tun "" :: lo
expect_only "--fast-path: its words" sixfour siit --fast-path "" :: auto tun off
touch "$WORK/gw.toml"
expect "--config: files" sixfour gateway --config "$WORK/g" :: "$WORK/gw.toml"
# Every option --help lists for every daemon is offered.
for d in nat64 siit dns64 socks gateway clat doctor; do
  mapfile -t opts < <("$SIXFOUR" "$d" --help | grep -oE '^ +(-[a-zA-Z],)?--[a-z0-9-]+' | sed -E 's/^ +(-[a-zA-Z],)?//')
  expect "every option of $d (${#opts[@]})" sixfour "$d" -- :: "${opts[@]}"
done

if command -v zsh >/dev/null; then
  out=$(zsh -fc "autoload -U compinit && compinit -u -d '$WORK/zcompdump'
    source '$ROOT/packaging/completion/_sixfour'; print -r -- \$_comps[sixfour]" 2>&1) || fail "zsh: $out"
  [[ $out == "_bash_complete -F _sixfour_complete" ]] || fail "zsh does not complete sixfour with it: $out"
  echo "ok: zsh completes sixfour through bashcompinit ($out)"
else
  echo "skip: zsh is not installed"
fi
echo PASS
