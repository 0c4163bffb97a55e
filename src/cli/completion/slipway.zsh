#compdef slipway
# zsh completion for slipway. Install: slipway completion zsh > "${fpath[1]}/_slipway"
# (or in this session: source <(slipway completion zsh)). On TAB, zsh runs `slipway __complete WORD…`
# (the words typed after "slipway", the one being completed last) and offers the lines it prints;
# when it prints none, zsh completes file names.
_slipway() {
  local -a candidates
  candidates=(${(f)"$(${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null)"})
  if (( ${#candidates} )); then
    compadd -- "${candidates[@]}"
  else
    _files
  fi
}
# Autoloaded from $fpath this file is the completion function; sourced, it registers it.
if [[ $funcstack[1] == _slipway ]]; then _slipway "$@"; else compdef _slipway slipway; fi
