"""`python -m huiqi.platform.audit [DATABASE_URL]`: verify the audit chain (exit 1 if broken)."""

import sys

from huiqi.platform.audit.service import verify_database

sys.exit(verify_database(sys.argv[1] if len(sys.argv) > 1 else None))
