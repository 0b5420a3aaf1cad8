"""zh-CN web pages: server-rendered Jinja2 on the platform's service layer.

Every page has a JSON twin (`?format=json`) built from the very dict the template renders, so
what a person sees and what a script reads never drift apart.
"""
