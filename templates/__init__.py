"""The built-in PR comment template (``comment.md.j2``) and its documentation (``README.md``).

This folder sits at the top of the repository, where users look for it; ``pyproject.toml`` maps it into the
package as ``honeyhive_experiment.templates``, so a wheel, an editable install and the Docker image all load
the template from here (:func:`honeyhive_experiment.report.comment.builtin_template_dir`).
"""
