import sys

from q_tmux.entry import main

sys.exit(main())
