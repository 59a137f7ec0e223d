import type { MongoClient } from 'mongodb';

/**
 * Counts the connections a driver client opens and how many it uses at once (CMAP events).
 * Command monitoring cannot be switched on for a client that is already connected, and Tumnus
 * does not expose driver options, so change streams are counted by the watcher itself instead.
 */
export class DriverMeter {
  connectionsCreated = 0;
  connectionsClosed = 0;
  checkedOut = 0;
  peakCheckedOut = 0;

  constructor(private readonly client: MongoClient) {
    client.on('connectionCreated', this.onCreated);
    client.on('connectionClosed', this.onClosed);
    client.on('connectionCheckedOut', this.onCheckedOut);
    client.on('connectionCheckedIn', this.onCheckedIn);
  }

  detach(): void {
    this.client.off('connectionCreated', this.onCreated);
    this.client.off('connectionClosed', this.onClosed);
    this.client.off('connectionCheckedOut', this.onCheckedOut);
    this.client.off('connectionCheckedIn', this.onCheckedIn);
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
}
