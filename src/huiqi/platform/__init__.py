"""Platform: persistence, review workflow, 公示, payments, budgets and audit over REST.

The API app: `huiqi.platform.app:create_api_app`. The whole site (API and pages) and
`huiqi serve` are composed above the platform, in `huiqi.server`.
"""
