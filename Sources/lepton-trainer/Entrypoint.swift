import LeptonTrainerCommands

LeptonTrainerCommand.run()
