import CLI

Xeroflow.main()
