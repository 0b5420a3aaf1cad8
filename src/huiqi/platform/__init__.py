"""Platform: persistence, review workflow, 公示, payments, budgets and audit over REST.

Entry points: `huiqi.platform.app:create_app` and `huiqi.platform.server:serve`.
"""
