// Picture-string formatting for JSONata.
