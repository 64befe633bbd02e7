--- `lakebase completion bash|zsh|fish`: prints a shell completion script. The scripts are thin:
-- on each TAB they ask `lakebase __complete WORDS...` (cli/complete.lua) what may come next, so
-- completion follows the same tables as --help and the recipes installed now, with a 2 s limit
-- (timeout(1), where there is one) and errors thrown away: a TAB never blocks the shell or writes
-- into the prompt.
local M = {}

M.USAGE = [[
usage: lakebase completion bash|zsh|fish

Prints a completion script for the shell: commands, subcommands, flags (global flags anywhere),
flag values (-o text|json|yaml|csv, --log-level, --auth-type, --profile from ~/.databrickscfg),
recipe names and their parameters, and resource names (projects/P/branches/B...) listed from the
API when it answers within 1.5 s (never with --local). Install it:

  bash   echo 'source <(lakebase completion bash)' >> ~/.bashrc
         (or: lakebase completion bash > ~/.local/share/bash-completion/completions/lakebase)
  zsh    lakebase completion zsh > "${fpath[1]}/_lakebase"   (then start a new shell; compinit must run)
         (or, after compinit in ~/.zshrc: source <(lakebase completion zsh))
  fish   lakebase completion fish > ~/.config/fish/completions/lakebase.fish

]]

M.BASH = [=[
# bash completion for lakebase (lakebase completion bash)
_lakebase() {
    local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} words=() i=1 line out nospace=
    [[ $prog == "~/"* ]] && prog=$HOME/${prog#"~/"}
    # bash splits --flag=value at '=' (COMP_WORDBREAKS): put the pieces together again.
    while (( i <= COMP_CWORD )); do
        if [[ ${COMP_WORDS[i]} == "=" && ${#words[@]} -gt 0 ]]; then
            words[-1]+="="
            (( i < COMP_CWORD )) && { i=$((i + 1)); words[-1]+=${COMP_WORDS[i]}; }
        else
            words+=("${COMP_WORDS[i]}")
        fi
        i=$((i + 1))
    done
    if command -v timeout >/dev/null 2>&1; then
        out=$(timeout 2 "$prog" __complete "${words[@]}" 2>/dev/null </dev/null)
    else
        out=$("$prog" __complete "${words[@]}" 2>/dev/null </dev/null)
    fi
    COMPREPLY=()
    if [[ $out == ":files" ]]; then
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
    fi
    local strip=${words[-1]%"$cur"}   # what bash does not replace (--output= of --output=j)
    while IFS= read -r line; do
        [[ -z $line ]] && continue
        line=${line%%$'\t'*}
        line=${line#"$strip"}
        [[ $line == */ ]] && nospace=1
        COMPREPLY+=("$line")
    done <<<"$out"
    [[ -n $nospace ]] && compopt -o nospace 2>/dev/null
    return 0
}
complete -F _lakebase lakebase
]=]

M.ZSH = [=[
#compdef lakebase
# zsh completion for lakebase (lakebase completion zsh)
_lakebase() {
    local prog=${words[1]} out line val desc
    local -a plain plain_shown slash slash_shown
    prog=${~prog}
    if (( $+commands[timeout] )); then
        out=$(timeout 2 "$prog" __complete "${(@)words[2,CURRENT]}" 2>/dev/null </dev/null)
    else
        out=$("$prog" __complete "${(@)words[2,CURRENT]}" 2>/dev/null </dev/null)
    fi
    if [[ $out == ":files" ]]; then
        _files
        return
    fi
    for line in "${(@f)out}"; do
        [[ -z $line ]] && continue
        val=${line%%$'\t'*}
        desc=
        [[ $line == *$'\t'* ]] && desc=${line#*$'\t'}
        if [[ $val == */ ]]; then
            slash+=("$val"); slash_shown+=("$val${desc:+  -- $desc}")
        else
            plain+=("$val"); plain_shown+=("$val${desc:+  -- $desc}")
        fi
    done
    (( ${#plain} )) && compadd -l -d plain_shown -- "${plain[@]}"
    (( ${#slash} )) && compadd -S '' -l -d slash_shown -- "${slash[@]}"
    return 0
}
if [[ $funcstack[1] == _lakebase ]]; then
    _lakebase "$@"
else
    compdef _lakebase lakebase
fi
]=]

M.FISH = [=[
# fish completion for lakebase (lakebase completion fish)
function __lakebase_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l prog $tokens[1]
    set -e tokens[1]
    set -l out
    if command -q timeout
        set out (timeout 2 $prog __complete $tokens "$cur" 2>/dev/null </dev/null)
    else
        set out ($prog __complete $tokens "$cur" 2>/dev/null </dev/null)
    end
    if test "$out" = ":files"
        __fish_complete_path "$cur"
        return
    end
    for line in $out
        echo $line
    end
end
complete -c lakebase -f -a '(__lakebase_complete)'
]=]

--- Runs `lakebase completion argv[i..]`; returns an exit status.
function M.run(argv, i)
  local shell = argv[i]
  if shell == "-h" or shell == "--help" then
    io.stdout:write(M.USAGE)
    return 0
  end
  local script = ({ bash = M.BASH, zsh = M.ZSH, fish = M.FISH })[shell or ""]
  if not script or argv[i + 1] ~= nil then
    io.stderr:write("lakebase completion: ", shell and ("unknown shell '" .. table.concat(argv, " ", i) .. "'")
      or "needs a shell", ": bash, zsh or fish expected\n", M.USAGE)
    return 2
  end
  io.stdout:write(script)
  return 0
end

return M
