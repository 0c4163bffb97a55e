# bash completion for slipway. In this session: source <(slipway completion bash)
# On TAB, bash runs `slipway __complete WORD…` (the words typed after "slipway", the one being
# completed last) and offers the lines it prints; when it prints none, bash completes file names.
_slipway() {
  local cur words cword
  if declare -F _get_comp_words_by_ref >/dev/null; then
    # bash-completion keeps "--output=json" and "my-vm:/etc" whole; plain bash splits them at = and :.
    _get_comp_words_by_ref -n =: cur words cword
  else
    cur=${COMP_WORDS[COMP_CWORD]} words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
  fi
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$("${words[0]}" __complete "${words[@]:1:cword}" 2>/dev/null)" -- "$cur"))
  if declare -F __ltrim_colon_completions >/dev/null; then __ltrim_colon_completions "$cur"; fi
}
complete -o bashdefault -o default -F _slipway slipway
