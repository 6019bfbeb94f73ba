from protoc_gen_rlay.plugin import main

main()
