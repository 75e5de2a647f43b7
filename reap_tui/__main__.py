import sys

from reap_tui.cli import main

sys.exit(main())
