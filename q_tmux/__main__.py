import sys

from q_tmux.cli import main

sys.exit(main())
