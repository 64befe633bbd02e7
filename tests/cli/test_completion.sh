#!/usr/bin/env bash
# Shell completion: `lakebase completion bash` sourced into bash and driven through its completion
# function (COMP_WORDS/COMP_CWORD, as readline sets them) for commands, subcommands, flags after
# arguments, global flags, enum values, recipe names and parameters (a user recipe too), resource
# names listed from an emulator process, and an API that never answers (a TAB still returns at
# once, silently); readline and zle on a pseudo-terminal completing typed lines; the zsh script
# through zsh with compadd recorded, the fish one through fish's own `complete -C`; and the command
# list kept in step with `lakebase --help`.
set -u
LB=${1:?usage: test_completion.sh PATH_TO_LAKEBASE}
LB=$(cd "$(dirname "$LB")" && pwd)/$(basename "$LB")
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_emulator completion-token-0123456789
export HOME=$tmp/home LAKEBASE_RECIPE_PATH=
mkdir -p "$HOME" "$tmp/bin" "$tmp/work"
ln -s "$LB" "$tmp/bin/lakebase"   # the scripts complete the command `lakebase`, found on PATH
export PATH=$tmp/bin:$PATH
cd "$tmp/work"
"$LB" postgres create-project shop >/dev/null
"$LB" postgres create-project shed >/dev/null
"$LB" postgres create-branch projects/shop dev --json '{"spec": {"no_expiry": true}}' >/dev/null

"$LB" completion bash >"$tmp/lb.bash" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "completion bash prints a script" bash -c "rc_() { [ \$(cat $tmp/rc) = 0 ]; }; rc_ && grep -q '_lakebase()' $tmp/lb.bash"

# comp WORD... : the words of a command line, the last being completed; COMPREPLY one a line in
# $tmp/out, the function's stderr in $tmp/err.
comp() {
  bash --norc --noprofile -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _lakebase; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$tmp/lb.bash" lakebase "$@" >"$tmp/out" 2>"$tmp/err"
}
has() { grep -qx -- "$1" "$tmp/out"; }
has_all() { local w; for w in "$@"; do has "$w" || return 1; done; }
lacks() { ! grep -qx -- "$1" "$tmp/out"; }

bash --norc -c "source $tmp/lb.bash; complete -p lakebase" >"$tmp/out" 2>"$tmp/err"
check "the bash script registers _lakebase for lakebase" out_is "complete -F _lakebase lakebase"

comp p
check "commands: p completes to postgres and psql" bash -c "$(declare -f has has_all lacks); tmp=$tmp; has_all postgres psql && lacks query"
comp ""
check "every top-level command" bash -c "$(declare -f has has_all); tmp=$tmp; has_all run postgres psql query current-user api repl recipe project auth emulator types completion"
comp postgres list-b
check "postgres subcommands from the command table" out_is "list-branches"
comp postgres get-branch projects/shop/branches/dev --out
check "a global flag after the arguments" out_is "--output"
comp postgres list-branches projects/shop --page
check "the command's own flags after an argument" out_is "--page-size"
comp postgres delete-branch --
check "only the flags that command takes" bash -c "$(declare -f has has_all lacks); tmp=$tmp; has_all --no-wait --timeout --purge --profile --help && lacks --json && lacks --page-size"
comp postgres update-branch projects/shop/branches/dev ""
check "UPDATE_MASK: the paths the service takes (a oneof by its group, no create-only field)" bash -c "[ \"\$(tr '\n' ' ' <$tmp/out)\" = 'spec.expiration spec.is_protected ' ]"
comp postgres update-endpoint projects/shop/branches/dev/endpoints/primary spec.disabled,spec.s
check "UPDATE_MASK: the next path of a comma-separated list" bash -c "[ \"\$(tr '\n' ' ' <$tmp/out)\" = 'spec.disabled,spec.settings spec.disabled,spec.suspension ' ]"
comp postgres list-projects -o ""
check "-o values" bash -c "$(declare -f has has_all); tmp=$tmp; has_all text json yaml csv"
comp query -o ""
check "-o values the command takes: query" bash -c "[ \"\$(tr '\n' ' ' <$tmp/out)\" = 'text json csv ' ]"
comp postgres get-project projects/shop --output ""
check "-o values the command takes: no csv for a get" bash -c "[ \"\$(tr '\n' ' ' <$tmp/out)\" = 'text json yaml ' ]"
comp postgres list-projects --output = y
check "--output=VALUE (split at '=' as bash splits it)" out_is "yaml"
comp --log-level de
check "--log-level values before the command" out_is "debug"
comp query --auth-type o
check "--auth-type values" out_is "oauth-m2m"
printf '[DEFAULT]\nhost = https://x\n[staging]\nhost = https://y\n' >"$HOME/.databrickscfg"
comp postgres list-projects --profile ""
check "--profile from ~/.databrickscfg" bash -c "$(declare -f has has_all); tmp=$tmp; has_all DEFAULT staging"
printf '[ci]\nhost = https://z\n' >"$tmp/other.cfg"
DATABRICKS_CONFIG_FILE=$tmp/other.cfg comp -p ""
check "--profile from DATABRICKS_CONFIG_FILE when set" out_is "ci"
comp completion ""
check "completion's shells" bash -c "$(declare -f has has_all); tmp=$tmp; has_all bash zsh fish"

# Recipes: names from the search path, parameters from the declarations.
"$LB" recipe new nightly >/dev/null
comp recipe ""
check "recipe subcommands" bash -c "$(declare -f has has_all); tmp=$tmp; has_all list info run new pack install"
comp recipe run ""
check "recipe names, built-in and in ./recipes" bash -c "$(declare -f has has_all); tmp=$tmp; has_all ci-branch prune-branches scale-compute nightly"
comp recipe run ci-branch --
check "a recipe's parameters as flags (booleans also --no-)" bash -c "$(declare -f has has_all); tmp=$tmp; has_all --project --pr --action --ttl --env-file --compute --no-compute --dry-run"
comp recipe run ci-branch --pr 4 --action ""
check "an enum parameter's values" bash -c "$(declare -f has has_all); tmp=$tmp; has_all create delete && [ \$(wc -l <$tmp/out) = 2 ]"
comp recipe run nightly --b
check "a user recipe's parameters" out_is "--branch"
comp recipe info scale-compute --max
check "parameters after recipe info too" out_is "--max-cu"

# Resource names from the API (the emulator), one level at a time.
comp postgres list-branches ""
check "projects listed from the API" bash -c "$(declare -f has has_all); tmp=$tmp; has_all projects/shop projects/shed"
comp postgres get-branch projects/sh
check "a branch name goes on below the project (trailing /)" bash -c "$(declare -f has has_all); tmp=$tmp; has_all projects/shop/ projects/shed/"
comp postgres get-branch projects/shop/
check "then the project's branches" bash -c "$(declare -f has has_all lacks); tmp=$tmp; has_all projects/shop/branches/production projects/shop/branches/dev && lacks projects/shed/branches/production"
comp postgres list-endpoints projects/shop/branches/d
check "a PARENT of the branch kind" out_is "projects/shop/branches/dev"
comp psql --project s
check "--project takes project IDs" bash -c "$(declare -f has has_all); tmp=$tmp; has_all shop shed"
comp project ""
check "project: use, show, clear" bash -c "[ \"\$(tr '\n' ' ' <$tmp/out)\" = 'use show clear ' ]"
comp project use s
check "project use takes project IDs" bash -c "$(declare -f has has_all); tmp=$tmp; has_all shop shed"
comp query --project shop --branch ""
check "--branch: the branch IDs of the --project given" bash -c "[ \"\$(tr '\n' ' ' <$tmp/out)\" = 'dev production ' ]"
comp psql --project shop --branch dev --endpoint ""
check "--endpoint: the endpoint IDs of that branch" out_is "primary"
comp recipe run ci-branch --source projects/shop/
check "a recipe's source branch: branch names" bash -c "$(declare -f has has_all); tmp=$tmp; has_all projects/shop/branches/dev projects/shop/branches/production"
comp recipe run ci-branch --project sho
check "so does a recipe's project parameter" out_is "shop"
comp --local postgres list-branches ""
check "never an emulator for a TAB under --local" bash -c "[ \"\$(cat $tmp/out)\" = projects/ ]"

# Files where files go.
touch "$tmp/work/script.lua"
comp run scr
check "run takes a script file" out_is "script.lua"
comp query -f scr
check "query -f takes a file" out_is "script.lua"

# An API that accepts the connection and never answers: the TAB returns quickly, says nothing.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' >"$tmp/hang.port" &
hang=$!
trap 'kill $emu $hang 2>/dev/null; wait $emu $hang 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do [ -s "$tmp/hang.port" ] && break; sleep 0.1; done
start=$(date +%s%N)
DATABRICKS_HOST=http://127.0.0.1:$(cat "$tmp/hang.port") comp postgres list-branches ""
took=$(( ($(date +%s%N) - start) / 1000000 ))
check "an API that hangs: the TAB returns within 2.5 s ($took ms)" bash -c "[ $took -lt 2500 ]"
check "with no candidates and nothing on stderr" bash -c "[ \"\$(cat $tmp/out)\" = projects/ ] && [ ! -s $tmp/err ]"
DATABRICKS_HOST=http://127.0.0.1:1 comp postgres list-branches ""
check "an API that refuses: nothing on stderr either" bash -c "[ ! -s $tmp/err ]"

# The command list stays in step with `lakebase --help`.
"$LB" --help | sed -n -e 's/\[options\] //' -e 's/^ *\(usage: \)\{0,1\}lakebase \[\{0,1\}\([a-z][a-z-]\{1,\}\).*/\2/p' | sort -u >"$tmp/help.cmds"
"$LB" __complete "" | cut -f1 | sort -u >"$tmp/comp.cmds"
check "the commands of --help are the commands completed" diff "$tmp/help.cmds" "$tmp/comp.cmds"
"$LB" postgres --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | sort -u >"$tmp/help.pg"
"$LB" __complete postgres "" | cut -f1 | sort -u >"$tmp/comp.pg"
check "and the postgres commands of its --help" diff "$tmp/help.pg" "$tmp/comp.pg"

"$LB" completion --help >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "completion --help says how to install each" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'bashrc' $tmp/out && grep -q '_lakebase' $tmp/out && grep -q 'fish/completions' $tmp/out"
"$LB" completion tcsh >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "an unknown shell exits 2 naming it" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"unknown shell 'tcsh'\" $tmp/err && [ ! -s $tmp/out ]"

# Real line editors: an interactive bash (readline) and zsh (zle with compinit) on a
# pseudo-terminal, TAB typed after each line's start; the line as the terminal shows it after.
cat >"$tmp/terminal.py" <<'PY'
import os, pty, re, select, sys, time
shell, setup, lines = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(PS1="$ ", TERM="xterm")
    os.execvp(shell, [shell, "--norc", "--noprofile", "-i"] if shell == "bash" else [shell, "-f", "-i"])
def read(quiet):  # until the terminal has been quiet for a while after answering (10 s at most)
    out, end = b"", time.time() + 10
    while time.time() < end:
        if select.select([fd], [], [], quiet)[0]:
            try: out += os.read(fd, 4096)
            except OSError: break
        elif out: break
    return out.decode(errors="replace")
read(0.5)
os.write(fd, setup.encode() + b"\n"); read(0.8)
for typed in lines:
    os.write(fd, typed.encode() + b"\t")
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", read(0.5))
    while "\x08" in shown: shown = re.sub("[^\x08]?\x08", "", shown, count=1)  # a backspace takes back a character
    line = shown.replace("\r", "\n").split("\n")[-1]
    print(line[2:] if line.startswith("$ ") else line)  # a prompt drawn late (a loaded machine) shares the line
    os.write(fd, b"\x03"); read(0.3)
os.write(fd, b"exit\n"); read(0.3)
PY
TYPED=("lakebase --output=ya" "lakebase recipe run ci-b" "lakebase postgres get-branch projects/shop/branches/d")
python3 "$tmp/terminal.py" bash "source $tmp/lb.bash" "${TYPED[@]}" >"$tmp/out" 2>"$tmp/err"
check "readline: --output=ya<TAB> gives --output=yaml" out_has "^lakebase --output=yaml $"
check "readline: recipe run ci-b<TAB> gives ci-branch" out_has "^lakebase recipe run ci-branch $"
check "readline: a branch name from the API" out_has "^lakebase postgres get-branch projects/shop/branches/dev $"
"$LB" completion zsh >"$tmp/_lakebase"
python3 "$tmp/terminal.py" zsh "autoload -U compinit && compinit -u -D && source $tmp/_lakebase" "${TYPED[@]}" >"$tmp/out" 2>"$tmp/err"
check "zle: --output=ya<TAB> gives --output=yaml" out_has "^lakebase --output=yaml $"
check "zle: recipe run ci-b<TAB> gives ci-branch" out_has "^lakebase recipe run ci-branch $"
check "zle: a branch name from the API" out_has "^lakebase postgres get-branch projects/shop/branches/dev $"

# zsh: the script parses, and its function offers the candidates through compadd.
zsh -n "$tmp/_lakebase" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "the zsh script parses (zsh -n)" rc_is 0
zcomp() {
  zsh -f -c 'compdef() { print -r -- "compdef $*"; }; _files() { print -r -- "_files"; }
    compadd() { print -r -- "compadd $*"; }; source "$1"; shift; words=("$@"); CURRENT=$#; _lakebase' \
    _ "$tmp/_lakebase" lakebase "$@" >"$tmp/out" 2>"$tmp/err"
}
zcomp postgres list-b
check "zsh: sourcing registers it with compdef" out_has "^compdef _lakebase lakebase$"
check "zsh: candidates with descriptions through compadd" bash -c "grep -q '^compadd -l -d plain_shown -- list-branches$' $tmp/out && [ ! -s $tmp/err ]"
zcomp postgres get-branch projects/sh
check "zsh: a name to go on from gets no space after it" out_has "^compadd -S  -l -d slash_shown -- projects/shed/ projects/shop/$"
zcomp run scr
check "zsh: files through _files" out_has "^_files$"

# fish: the script parses, and fish's own completion engine runs it.
"$LB" completion fish >"$tmp/lakebase.fish"
fish -n "$tmp/lakebase.fish" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "the fish script parses (fish -n)" rc_is 0
fcomp() { fish --no-config -c "source $tmp/lakebase.fish; complete -C '$1'" >"$tmp/out" 2>"$tmp/err"; }
fcomp "lakebase postgres list-b"
check "fish: subcommands with their description" bash -c "grep -q \$'^list-branches\tList branches under PARENT' $tmp/out && [ ! -s $tmp/err ]"
fcomp "lakebase recipe run ci-branch --action "
check "fish: enum values" bash -c "[ \"\$(cut -f1 $tmp/out | tr '\n' ' ')\" = 'create delete ' ]"
fcomp "lakebase postgres get-branch projects/shop/"
check "fish: resource names" bash -c "grep -q '^projects/shop/branches/dev' $tmp/out"
fcomp "lakebase run scr"
check "fish: files" bash -c "grep -q '^script.lua' $tmp/out"

finish
