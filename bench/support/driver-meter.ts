import type { MongoClient } from 'mongodb';

/** Counts what a driver client does: connections opened and in use, commands, change streams. */
export class DriverMeter {
  connectionsCreated = 0;
  connectionsClosed = 0;
  checkedOut = 0;
  peakCheckedOut = 0;
  commands = new Map<string, number>();
  changeStreamsOpened = 0;

  constructor(private readonly client: MongoClient) {
    setMonitorCommands(client, true);
    client.on('connectionCreated', this.onCreated);
    client.on('connectionClosed', this.onClosed);
    client.on('connectionCheckedOut', this.onCheckedOut);
    client.on('connectionCheckedIn', this.onCheckedIn);
    client.on('commandStarted', this.onCommand);
  }

  detach(): void {
    this.client.off('connectionCreated', this.onCreated);
    this.client.off('connectionClosed', this.onClosed);
    this.client.off('connectionCheckedOut', this.onCheckedOut);
    this.client.off('connectionCheckedIn', this.onCheckedIn);
    this.client.off('commandStarted', this.onCommand);
    setMonitorCommands(this.client, false);
  }

  private readonly onCreated = () => {
    this.connectionsCreated += 1;
  };

  private readonly onClosed = () => {
    this.connectionsClosed += 1;
  };

  private readonly onCheckedOut = () => {
    this.checkedOut += 1;
    this.peakCheckedOut = Math.max(this.peakCheckedOut, this.checkedOut);
  };

  private readonly onCheckedIn = () => {
    this.checkedOut -= 1;
  };

  private readonly onCommand = (event: {
    commandName: string;
    command: Record<string, unknown>;
  }) => {
    this.commands.set(event.commandName, (this.commands.get(event.commandName) ?? 0) + 1);
    const pipeline = event.command.pipeline as Record<string, unknown>[] | undefined;
    if (event.commandName === 'aggregate' && pipeline?.[0]?.$changeStream)
      this.changeStreamsOpened += 1;
  };
}

/** The driver has a `monitorCommands` setter that its typings leave out. */
function setMonitorCommands(client: MongoClient, on: boolean): void {
  (client as unknown as { monitorCommands: boolean }).monitorCommands = on;
}
