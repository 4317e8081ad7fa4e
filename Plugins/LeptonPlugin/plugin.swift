import PackagePlugin
@main struct LeptonPlugin: CommandPlugin { func performCommand(context: PluginContext, arguments: [String]) async throws {} }
