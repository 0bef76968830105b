# ppskit trainee workspace: a module's exercise cell run before its first cell finds the
# module (or says what to press) instead of showing NameError. Written by
# `ppskit workspace install`; safe to delete.
try:
    from ppskit.workspace.startup import lazy_module as _ppskit_lazy_module

    module = _ppskit_lazy_module()
    del _ppskit_lazy_module
except Exception:  # never stop a kernel from starting
    pass
