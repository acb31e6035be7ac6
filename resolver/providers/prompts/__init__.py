"""MFA prompt drivers: where a token code comes from when a hop needs one.

``terminal`` (``/dev/tty``), the dialogs ``zenity``, ``kdialog`` and ``osascript``,
``pinentry`` (the Assuan protocol), ``ykman`` (a YubiKey's OATH code) and ``process``
(``mfa_process``). The profile key ``mfa_prompt`` or ``ROLECHAIN_MFA_PROMPT`` picks one;
by default the terminal when there is one, else the first dialog program on ``PATH`` for
this platform (``choose``). Every driver is bounded in time (``PROMPT_TIMEOUT``), its
code is checked to be six digits by ``tokens.get_token_code``, and no error shows it.
"""
