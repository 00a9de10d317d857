"""Narrative figures: a spaCy pipeline (jieba segmenter, rule components, room for a trained NER) and its stage."""
