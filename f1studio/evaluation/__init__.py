"""``f1studio eval --prompts FILE``: how any model renders a prompt set.

Renders through the normal engine (:func:`f1studio.engine.runner.run`) and measures: CLIP
score (:mod:`.clip_score`), FID against reference pictures (:mod:`.fid`), region CLIP
(:mod:`.region_clip`) and the solver study (:func:`f1studio.demo.evaluate_steps.solver_distances`);
:mod:`.report` writes Markdown and :mod:`.plots` the PNG charts. No Qt; torch lazily.
"""
