# bash completion for sixfour. The subcommands and options are read from `sixfour ... --help` as the
# user types, so they always match the installed program; interface names complete the options
# that take one (--tun, --inside, --uplink), file names --config and --users, users --user, and the
# few options with fixed words (--fast-path, --offload) those words. zsh: packaging/completion/_sixfour.

_sixfour_help() { "$@" --help 2>/dev/null; }

# The subcommands of `sixfour [CHAIN...]`, from the "Subcommands:" block of its help.
_sixfour_subcommands() {
  _sixfour_help "$@" | awk '/^Subcommands:/ { s = 1; next } s && /^  [a-z]/ { print $1 } s && /^[^ ]/ { s = 0 }'
}

# The long options of `sixfour [CHAIN...]`.
_sixfour_options() {
  _sixfour_help "$@" | grep -oE '^ +(-[a-zA-Z],)?--[a-z0-9-]+' | sed -E 's/^ +(-[a-zA-Z],)?//'
}

_sixfour_complete() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} prog=${COMP_WORDS[0]}
  COMPREPLY=()
  case $prev in
    --tun | --inside | --uplink)
      mapfile -t COMPREPLY < <(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")
      return
      ;;
    --config | --users | --control)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    --user)
      mapfile -t COMPREPLY < <(compgen -u -- "$cur")
      return
      ;;
    --fast-path)
      mapfile -t COMPREPLY < <(compgen -W "auto tun off" -- "$cur")
      return
      ;;
    --offload)
      mapfile -t COMPREPLY < <(compgen -W "auto off" -- "$cur")
      return
      ;;
  esac
  # The chain of subcommands typed so far ("nat64 stats"): each word that is a subcommand of what
  # precedes it.
  local chain=() subs i
  subs=$(_sixfour_subcommands "$prog")
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ -n ${COMP_WORDS[i]} && " ${subs//$'\n'/ } " == *" ${COMP_WORDS[i]} "* ]]; then
      chain+=("${COMP_WORDS[i]}")
      subs=$(_sixfour_subcommands "$prog" "${chain[@]}")
    fi
  done
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_sixfour_options "$prog" "${chain[@]}")" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
  fi
}

complete -F _sixfour_complete sixfour
