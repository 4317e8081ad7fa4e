import LeptonCommands

LeptonCommand.run()
