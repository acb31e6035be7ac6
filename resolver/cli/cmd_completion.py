"""``rolechain completion bash|zsh|fish``: a script completing subcommands, flags, formats
and profile names.

The scripts are generated from the argparse parser, so they follow the CLI. Profile names
come from ``rolechain __complete-profiles``, which ``resolver.cli`` answers before
argparse is imported (``resolver.cli.names``: a line scan, saved in the cache directory).
"""

from __future__ import annotations

import argparse

from resolver.cli.fastpath import EXPORT_FORMATS
from resolver.context import Context

SHELLS = ("bash", "zsh", "fish")
PROFILE_COMMANDS = ("explain", "export", "exec", "validate")
HIDDEN = "__complete-profiles"


def commands(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    """Each subcommand's long options (``""``: the global ones)."""
    found = {"": [s for a in parser._actions for s in a.option_strings if s.startswith("--")]}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = [
                    s for a in sub._actions for s in a.option_strings if s.startswith("--")
                ]
    return found


def bash_script(table: dict[str, list[str]]) -> str:
    """A bash completion function (zsh loads it through bashcompinit).

    Profile names are read line by line and offered shell-quoted (``printf %q``): bash
    inserts them as they are, zsh's bashcompinit unquotes them once and quotes them
    itself; neither ``compgen -W`` (which expands its words again) nor an unquoted
    ``$(...)`` (split and globbed) ever sees a name.
    """
    names = " ".join(n for n in table if n)
    cases = "\n".join(f'        {n}) flags="{" ".join(f)}";;' for n, f in table.items() if n)
    return f"""# rolechain completion for bash: eval "$(rolechain completion bash)"
_rolechain_profiles() {{  # each listed line one literal word, never expanded again
    local name quoted
    COMPREPLY=()
    while IFS= read -r name; do
        printf -v quoted %q "$name"
        if [[ $name == "$cur"* || $quoted == "$cur"* ]]; then
            COMPREPLY+=("$quoted")
        fi
    done < <(rolechain {HIDDEN} ${{config:+"$config"}} 2>/dev/null)
}}
_rolechain() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local cmd="" config="" i flags
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            --config) config="${{COMP_WORDS[i+1]}}"; ((i++));;
            -*) ;;
            *) cmd="${{COMP_WORDS[i]}}"; break;;
        esac
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "{names} {" ".join(table[""])}" -- "$cur"))
        return
    fi
    case "$prev" in
        --format) COMPREPLY=($(compgen -W "{" ".join(EXPORT_FORMATS)}" -- "$cur")); return;;
        --hop) _rolechain_profiles; return;;
        --config) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --tag|--transitive-tag|--source-identity|--duration|--mfa-token|--to) return;;
    esac
    if [[ $cur == -* ]]; then
        case "$cmd" in
{cases}
        esac
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return
    fi
    case "$cmd" in
        {"|".join(PROFILE_COMMANDS)}) _rolechain_profiles;;
        completion) COMPREPLY=($(compgen -W "{" ".join(SHELLS)}" -- "$cur"));;
        cache)
            if [[ " ${{COMP_WORDS[*]:0:COMP_CWORD}} " == *" clear "* ]]; then
                _rolechain_profiles
            else
                COMPREPLY=($(compgen -W "list clear" -- "$cur"))
            fi;;
    esac
}}
complete -F _rolechain rolechain
"""


def zsh_script(table: dict[str, list[str]]) -> str:
    """The bash function, loaded through zsh's bashcompinit."""
    head = '# rolechain completion for zsh: eval "$(rolechain completion zsh)"\n'
    return head + "autoload -U +X bashcompinit && bashcompinit\n" + bash_script(table)


def fish_script(table: dict[str, list[str]]) -> str:
    """``complete`` lines for fish."""
    names = " ".join(n for n in table if n)
    lines = [
        "# rolechain completion for fish: rolechain completion fish | source",
        "complete -c rolechain -f",
        f'complete -c rolechain -n "__fish_use_subcommand" -a "{names}"',
    ]
    lines += [f"complete -c rolechain -l {flag[2:]}" for flag in table[""]]
    for name, flags in table.items():
        if not name:
            continue
        seen = f'-n "__fish_seen_subcommand_from {name}"'
        lines += [
            f"complete -c rolechain {seen} -l {flag[2:]}"
            for flag in flags
            if flag not in ("--format", "--hop")
        ]
    formats = " ".join(EXPORT_FORMATS)
    lines.append(
        f'complete -c rolechain -n "__fish_seen_subcommand_from export" -l format -x -a "{formats}"'
    )
    profiles = f'"(rolechain {HIDDEN} 2>/dev/null)"'
    commands_with_hop = " ".join(n for n, f in table.items() if "--hop" in f)
    lines.append(
        f'complete -c rolechain -n "__fish_seen_subcommand_from {commands_with_hop}" '
        f"-l hop -x -a {profiles}"
    )
    lines.append(
        f'complete -c rolechain -n "__fish_seen_subcommand_from '
        f'{" ".join(PROFILE_COMMANDS)}" -a {profiles}'
    )
    lines.append(
        f'complete -c rolechain -n "__fish_seen_subcommand_from completion" -a "{" ".join(SHELLS)}"'
    )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Print the completion script for ``args.shell``."""
    from resolver.cli.main import build_parser

    table = commands(build_parser())
    script = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}[args.shell](table)
    print(script, end="")
    return 0
