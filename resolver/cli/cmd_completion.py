"""``rolechain completion bash|zsh|fish``: a script completing subcommands, their actions,
flags, formats, profile names and, after ``exec PROFILE --``, the command to run.

The scripts are generated from the argparse parser, so they follow the CLI: which
commands (and actions) take one profile or many, which take an action word, which flags
take a value. Profile names come from ``rolechain __complete-profiles``, which
``resolver.cli`` answers before argparse is imported (``resolver.cli.names``: a line
scan, saved in the cache directory).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from resolver.cli.fastpath import EXPORT_FORMATS
from resolver.context import Context

SHELLS = ("bash", "zsh", "fish")
HIDDEN = "__complete-profiles"
PROFILE_DESTS = {"profile": "one", "profiles": "many", "argv": "one"}  # exec: PROFILE -- CMD
OWN_COMPLETION = ("--format", "--hop", "--config")  # value flags completed by name


@dataclass
class Table:
    """What the scripts complete, read from the parser. Paths are ``cmd`` or ``cmd action``."""

    flags: dict[str, list[str]] = field(default_factory=dict)  # "": the global ones
    value_flags: list[str] = field(default_factory=list)  # options that take a value
    actions: dict[str, list[str]] = field(default_factory=dict)  # cmd -> its action words
    one_profile: list[str] = field(default_factory=list)
    many_profiles: list[str] = field(default_factory=list)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _read(table: Table, path: str, parser: argparse.ArgumentParser) -> None:
    """Record ``parser``'s value flags and what its positionals complete."""
    for action in parser._actions:
        long = [s for s in action.option_strings if s.startswith("--")]
        if long and action.nargs != 0 and long[0] not in table.value_flags:
            table.value_flags.append(long[0])
        if action.option_strings or isinstance(action, argparse._SubParsersAction):
            continue
        kind = PROFILE_DESTS.get(action.dest)
        if kind is not None:
            (table.one_profile if kind == "one" else table.many_profiles).append(path)
        elif action.choices:
            table.actions[path] = [str(choice) for choice in action.choices]


def commands(parser: argparse.ArgumentParser) -> Table:
    """The completion table of ``parser``."""
    table = Table()
    table.flags[""] = [s for a in parser._actions for s in a.option_strings if s.startswith("--")]
    _read(table, "", parser)
    for name, sub in _subparsers(parser).items():
        table.flags[name] = [
            s for a in sub._actions for s in a.option_strings if s.startswith("--")
        ]
        _read(table, name, sub)
        actions = _subparsers(sub)
        if actions:
            table.actions[name] = list(actions)
        for action, parser_of_action in actions.items():
            table.flags[name] += [
                s
                for a in parser_of_action._actions
                for s in a.option_strings
                if s.startswith("--") and s not in table.flags[name]
            ]
            _read(table, f"{name} {action}", parser_of_action)
    return table


def _case_words(paths: list[str]) -> str:
    """A bash ``case`` pattern matching each of ``paths`` literally."""
    return "|".join(f'"{path}"' for path in paths)


def bash_script(table: Table) -> str:
    """A bash completion function (zsh loads it through bashcompinit).

    Profile names are read line by line and offered shell-quoted (``printf %q``): bash
    inserts them as they are, zsh's bashcompinit unquotes them once and quotes them
    itself; neither ``compgen -W`` (which expands its words again) nor an unquoted
    ``$(...)`` (split and globbed) ever sees a name. After ``exec [PROFILE] --`` the rest
    of the line is a command: bash-completion's ``_command_offset`` completes it when
    loaded, else command names, then file names.
    """
    names = " ".join(n for n in table.flags if n)
    cases = "\n".join(f'        {n}) flags="{" ".join(f)}";;' for n, f in table.flags.items() if n)
    actions = "\n".join(
        f'            {n}) choices="{" ".join(w)}";;' for n, w in table.actions.items() if n
    )
    values = "|".join(f for f in table.value_flags if f not in OWN_COMPLETION)
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
_rolechain_lines() {{  # COMPREPLY: compgen's lines, one word each (no splitting, no glob)
    local line
    COMPREPLY=()
    while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen "$@" -- "$cur")
}}
_rolechain_command() {{  # after `exec ... --`: the command line of CMD, from word $1
    if [[ -n ${{BASH_VERSION-}} ]] && declare -F _command_offset >/dev/null; then
        _command_offset "$1"
    elif ((COMP_CWORD == $1)); then
        _rolechain_lines -c
    else
        compopt -o filenames 2>/dev/null
        _rolechain_lines -f
    fi
}}
_rolechain() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local cmd="" config="" at="" first="" count=0 i word choices flags  # zsh: no path, words
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            --config) config="${{COMP_WORDS[i+1]}}"; ((i++));;
            -*) ;;
            *) cmd="${{COMP_WORDS[i]}}"; break;;
        esac
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "{names} {" ".join(table.flags[""])}" -- "$cur"))
        return
    fi
    for ((i++; i < COMP_CWORD; i++)); do  # the words after the command: positionals
        word="${{COMP_WORDS[i]}}"
        if [[ $cmd == exec && $word == -- ]]; then
            _rolechain_command $((i + 1))
            return
        fi
        case "$word" in
            {values}|--format|--hop) ((i++));;
            -*) ;;
            *) ((count++ == 0)) && first="$word";;
        esac
    done
    case "$prev" in
        --format) COMPREPLY=($(compgen -W "{" ".join(EXPORT_FORMATS)}" -- "$cur")); return;;
        --hop) _rolechain_profiles; return;;
        --config|--token-file) compopt -o filenames 2>/dev/null; _rolechain_lines -f; return;;
        {values}) return;;
    esac
    if [[ $cur == -* ]]; then
        case "$cmd" in
{cases}
        esac
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return
    fi
    choices=""
    case "$cmd" in
{actions}
    esac
    at="$cmd"
    if [[ -n $choices ]]; then  # a command with actions: the action first
        if ((count == 0)); then
            COMPREPLY=($(compgen -W "$choices" -- "$cur"))
            return
        fi
        at="$cmd $first"
        ((count--))
    fi
    case "$at" in
        {_case_words(table.one_profile)}) ((count == 0)) && _rolechain_profiles;;
        {_case_words(table.many_profiles)}) _rolechain_profiles;;
    esac
}}
complete -F _rolechain rolechain
"""


def zsh_script(table: Table) -> str:
    """The bash function, loaded through zsh's bashcompinit."""
    head = '# rolechain completion for zsh: eval "$(rolechain completion zsh)"\n'
    return head + "autoload -U +X bashcompinit && bashcompinit\n" + bash_script(table)


FISH_EXEC = """\
function __rolechain_exec_rest --description 'after `rolechain exec ... --`'
    set -l tokens (commandline -opc)
    contains -- exec $tokens; and contains -- -- $tokens
end
function __rolechain_exec_complete --description 'complete CMD as a command line of its own'
    set -l rest (commandline -opc)
    set -e rest[1..(contains -i -- -- $rest)]
    complete -C (string join -- ' ' (string escape -- $rest) (commandline -ct))
end
complete -c rolechain -n __rolechain_exec_rest -x -a '(__rolechain_exec_complete)'"""


def _fish_profile_lines(table: Table, profiles: str) -> list[str]:
    """``complete`` lines offering profile names where a command (or action) takes one."""
    paths = [*table.one_profile, *table.many_profiles]
    plain = [path for path in paths if " " not in path]
    lines = [
        f'complete -c rolechain -n "__fish_seen_subcommand_from {" ".join(plain)}; '
        f'and not __rolechain_exec_rest" -a {profiles}'
    ]
    for command in table.actions:
        acting = [path.split(" ", 1)[1] for path in paths if path.startswith(f"{command} ")]
        if acting:
            lines.append(
                f'complete -c rolechain -n "__fish_seen_subcommand_from {command}; '
                f'and __fish_seen_subcommand_from {" ".join(acting)}" -a {profiles}'
            )
    return lines


def fish_script(table: Table) -> str:
    """``complete`` lines for fish."""
    names = " ".join(n for n in table.flags if n)
    lines = [
        "# rolechain completion for fish: rolechain completion fish | source",
        "complete -c rolechain -f",
        f'complete -c rolechain -n "__fish_use_subcommand" -a "{names}"',
        FISH_EXEC,
    ]
    lines += [f"complete -c rolechain -l {flag[2:]}" for flag in table.flags[""]]
    for name, flags in table.flags.items():
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
    commands_with_hop = " ".join(n for n, f in table.flags.items() if "--hop" in f)
    lines.append(
        f'complete -c rolechain -n "__fish_seen_subcommand_from {commands_with_hop}" '
        f"-l hop -x -a {profiles}"
    )
    lines += _fish_profile_lines(table, profiles)
    for command, words in table.actions.items():
        if command:
            listed = " ".join(words)
            lines.append(
                f'complete -c rolechain -n "__fish_seen_subcommand_from {command}; '
                f'and not __fish_seen_subcommand_from {listed}" -a "{listed}"'
            )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Print the completion script for ``args.shell``."""
    from resolver.cli.main import build_parser

    table = commands(build_parser())
    script = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}[args.shell](table)
    print(script, end="")
    return 0
