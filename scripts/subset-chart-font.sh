#!/usr/bin/env bash
# Makes src/render/font/chart-sans.ttf, the font `check --chart FILE.png`
# draws its labels with: DejaVu Sans (Debian's fonts-dejavu-core; Bitstream
# Vera licence, see src/render/font/LICENSE) cut down to printable ASCII and
# the few signs the chart may use, so the binary carries ~20 KB, not 760 KB,
# and a PNG has its labels on a machine with no fonts at all.
#
#   apt-get install fonts-dejavu-core && pip install fonttools
#   scripts/subset-chart-font.sh
set -euo pipefail
cd "$(dirname "$0")/.."
src=${DEJAVU:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}
pyftsubset "$src" \
  --unicodes='U+0020-007E,U+00A0,U+00B1,U+00D7,U+2012-2014,U+2212,U+2192' \
  --layout-features='kern' --no-hinting --desubroutinize \
  --name-IDs='0,1,2,3,4,5,6,13,14' --name-languages=0x409 \
  --output-file=src/render/font/chart-sans.ttf
ls -l src/render/font/chart-sans.ttf
