"""The built-in PR comment template (``comment.md.j2``), the HTML report's (``report.html.j2`` with its style
``report.css.j2`` and script ``report.js.j2``) and their documentation (``README.md``).

This folder sits at the top of the repository, where users look for it; ``pyproject.toml`` maps it into the
package as ``honeyhive_experiment.templates``, so a wheel, an editable install and the Docker image all load
the template from here (:func:`honeyhive_experiment.report.comment.builtin_template_dir`).
"""
