#!/usr/bin/env bash
# Checks that every Markdown document the code cites is in the repository.
#
# Scans the Swift sources, the tests (including golden-vector notes), the scripts, the themes,
# the Makefile and the top-level README (or the paths given as arguments) for names ending in
# ".md", with or without a directory, and fails when one names a document the repository does
# not contain:
#   - a name with a directory (docs/optimizers.md, themes/README.md) must be a file of the
#     repository, relative to its root (or, failing that, to the citing file's directory);
#     a path that leaves the repository (../x, /abs/x) never counts;
#   - a bare name (README.md) must be the basename of some file of the repository.
# "Files of the repository" are the tracked ones plus untracked ones git does not ignore.
# URLs are not citations of repository files and are skipped.
#
# Exit status: 0 when every citation resolves, 1 when some do not (each is listed as
# file:line: missing document), 2 on usage errors.
set -euo pipefail

root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel 2>/dev/null) || {
    echo "check-doc-citations: not inside a git work tree" >&2
    exit 2
}
cd "$root"

if [ "$#" -gt 0 ]; then
    scan=("$@")
else
    scan=(Sources Tests scripts themes Makefile README.md)
fi

# Every file of the repository, and the Markdown ones by path and by basename.
declare -A repo_md_path=() repo_md_base=()
while IFS= read -r -d '' f; do
    case "$f" in
        *.md)
            [ -f "$f" ] || continue
            repo_md_path["$f"]=1
            repo_md_base["${f##*/}"]=1
            ;;
    esac
done < <(git ls-files -z --cached --others --exclude-standard)

# The files to scan: repository files under the scan paths that still exist.
files=()
while IFS= read -r -d '' f; do
    [ -f "$f" ] && files+=("$f")
done < <(git ls-files -z --cached --others --exclude-standard -- "${scan[@]}" | sort -zu)

if [ "${#files[@]}" -eq 0 ]; then
    echo "check-doc-citations: nothing to scan under: ${scan[*]}" >&2
    exit 2
fi

# A citation: a run of path characters ending in a name character and the extension, or a URL
# (matched whole so that it can be skipped); the extension must end the word, so "x.mdx" is
# not a citation. -I skips binary files.
pattern='[A-Za-z][A-Za-z0-9+.-]*://[^[:space:]"'"'"'<>()`]*|[A-Za-z0-9_./~-]*[A-Za-z0-9_-][.]md\b'

checked=0
missing=0
while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    name=${rest#*:}
    case "$name" in
        *://*) continue ;;     # a URL
    esac
    checked=$((checked + 1))
    target=${name#./}
    found=0
    if [[ "$target" == */* ]]; then
        if [[ "$target" == /* ]]; then
            candidates=("$target")
        else
            candidates=("$root/$target" "$root/$(dirname "$file")/$target")
        fi
        for candidate in "${candidates[@]}"; do
            # Normalise (a/./b, a/../b) and refuse anything outside the repository.
            rel=$(realpath -m --relative-to="$root" -- "$candidate" 2>/dev/null || true)
            case "$rel" in ""|..|../*) continue ;; esac
            if [ -n "${repo_md_path[$rel]+x}" ]; then found=1; break; fi
        done
    elif [ -n "${repo_md_base[$target]+x}" ]; then
        found=1
    fi
    if [ "$found" -eq 0 ]; then
        echo "$file:$line: missing document $name" >&2
        missing=$((missing + 1))
    fi
done < <(grep -nHIoE -- "$pattern" "${files[@]}" || true)

if [ "$missing" -gt 0 ]; then
    echo "doc citations: $checked checked, $missing missing" >&2
    exit 1
fi
echo "doc citations: $checked checked, all present"
