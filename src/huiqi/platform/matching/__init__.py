"""供需对接平台 (policy clause 五（三）): demands and supplies, matching, contacts, the annual
lists and the 供需对接大会."""
