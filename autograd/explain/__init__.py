"""The backward pass in a learner's words: `backward_steps` (one node at a time), the chain rule
in the article's notation (`chain_rule`), and `walk_steps` (text, and pictures after each step)."""
