"""One module per family of Rasa component names the built-in NLU implements."""
